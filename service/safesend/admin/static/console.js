// SafeSend console: small enhancements over server-rendered pages. Every page
// works without this script except the roster's column-mapping step.
"use strict";

// Times are rendered in UTC; show them in the reader's own time zone.
function localizeTimes(root) {
  const thisYear = new Date().getFullYear();
  const short = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  const recent = new Intl.DateTimeFormat(undefined, short);
  const older = new Intl.DateTimeFormat(undefined, { ...short, year: "numeric" });
  for (const el of root.querySelectorAll("time[datetime]")) {
    const moment = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    el.textContent = (moment.getFullYear() === thisYear ? recent : older).format(moment);
  }
}

// data-confirm on a form: ask before a change that is hard to undo.
function confirmForms(root) {
  root.addEventListener("submit", (event) => {
    const question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

// data-copy="#id" on a button copies that element's text.
function copyButtons(root) {
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.getAttribute("data-copy"));
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    } catch {
      window.getSelection().selectAllChildren(source);
    }
  });
}

function csrfToken(form) {
  return form.querySelector("input[name=csrf_token]").value;
}

// --- Roster import: read the header locally, map columns, upload with progress.

function rosterImport(form) {
  const fileInput = form.querySelector("[data-roster-file]");
  const mapStep = form.querySelector("[data-step=map]");
  const tableBody = form.querySelector("[data-mapping-table] tbody");
  const message = form.querySelector("[data-map-message]");
  const options = form.querySelector("template[data-field-options]");
  const progress = form.querySelector("[data-progress]");
  const bar = form.querySelector("[data-progress-bar]");
  const progressText = form.querySelector("[data-progress-text]");
  const button = form.querySelector("[data-import-button]");
  const result = form.parentElement.querySelector("[data-import-result]");
  const sampleBytes = Number(form.dataset.sampleBytes || 65536);

  fileInput.addEventListener("change", async () => {
    result.hidden = true;
    tableBody.replaceChildren();
    mapStep.hidden = true;
    const file = fileInput.files[0];
    if (!file) return;
    // Only the first part of the file goes up for the column names.
    const body = new FormData();
    body.append("sample", file.slice(0, sampleBytes), file.name);
    const answer = await fetch(form.dataset.columnsUrl, {
      method: "POST", body, headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await answer.json();
    if (!answer.ok) { showResult({ error: data.error || "The file could not be read." }); return; }
    message.textContent = data.message;
    for (const column of data.columns) {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = column.header;
      const choice = document.createElement("td");
      const select = document.createElement("select");
      select.dataset.header = column.header;
      select.setAttribute("aria-label", `Column ${column.header}`);
      select.append(options.content.cloneNode(true));
      select.value = column.field;
      choice.append(select);
      row.append(name, choice);
      tableBody.append(row);
    }
    mapStep.hidden = false;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    const mapping = {};
    for (const select of tableBody.querySelectorAll("select")) mapping[select.dataset.header] = select.value;
    const body = new FormData();
    body.append("csrf_token", csrfToken(form));
    body.append("file", file, file.name);
    body.append("mapping", JSON.stringify(mapping));
    upload(body, file.size);
  });

  function upload(body, size) {
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", csrfToken(form));
    button.disabled = true;
    progress.hidden = false;
    bar.value = 0;
    progressText.textContent = `Uploading ${(size / 1048576).toFixed(1)} MB…`;
    request.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.value = Math.round((e.loaded / e.total) * 100);
      progressText.textContent = `Uploading… ${bar.value}%`;
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server hashes the rows
      progressText.textContent = "Hashing names and IDs…";
    });
    request.addEventListener("load", () => {
      let data;
      try { data = JSON.parse(request.responseText); } catch { data = { error: "The import failed." }; }
      finish(data);
    });
    request.addEventListener("error", () => finish({ error: "The upload was interrupted." }));
    request.send(body);
  }

  function finish(data) {
    button.disabled = false;
    progress.hidden = true;
    showResult(data);
    if (!data.error) {
      // The page's summary card shows the new counts after a reload.
      const summary = document.querySelector("[data-testid=roster-students]");
      if (summary) summary.textContent = data.students.toLocaleString();
    }
  }

  function showResult(data) {
    result.replaceChildren();
    const card = document.createElement("div");
    card.className = data.error ? "result-card failed" : "result-card";
    card.setAttribute("role", "status");
    card.dataset.testid = "import-result";
    const head = document.createElement("p");
    if (data.error) {
      head.textContent = data.error;
    } else {
      head.textContent = `Imported ${data.students.toLocaleString()} students (${data.with_flags.toLocaleString()} with a plan or flag, ${data.guardians.toLocaleString()} guardian addresses) in ${data.seconds} s.`;
    }
    card.append(head);
    if (data.rejected) {
      const note = document.createElement("p");
      note.textContent = `${data.rejected.toLocaleString()} rows were skipped:`;
      const list = document.createElement("ul");
      list.className = "errors";
      for (const line of data.errors) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      card.append(note, list);
    }
    result.append(card);
    result.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localizeTimes(document);
  confirmForms(document);
  copyButtons(document);
  for (const form of document.querySelectorAll("form[data-roster-import]")) rosterImport(form);
});
