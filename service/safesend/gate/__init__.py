"""The mail-flow gate (issue 14): SafeSend's checks for mail the add-ins never see.

A real MTA (Postfix) queues, routes and retries; it asks the gate about each
message over the milter protocol while the sending server is still connected,
and the gate answers accept / reject / tempfail. The gate never queues or
delivers mail. It is stateless: policy, roster, directories and the check
records live in the same store as the API's, so several gates can run.

- `decide.py`   one message (raw MIME + envelope) -> a Decision, in SMTP terms
- `stamp.py`    the X-SafeSend stamp: proof that this exact content was checked
- `replies.py`  the reply text a teacher reads in the bounce
- `release.py`  the /r/<token> page where the sender gives a reason
- `milter.py`   the pymilter glue: callbacks -> decide -> reply
- `postfix.py`  the Postfix main.cf / master.cf fragment
"""
