"""Scan processes: the content scan of heavy messages (big attachments) runs
outside the web process, so its interpreter lock stays free for quick checks.
pool.py is the web process's side, worker.py the process, wire.py the frames' contents."""
