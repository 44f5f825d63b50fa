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

// data-warn-unsaved on a form: leaving the page with edits asks first (the browser's
// own "Leave site?" question); submitting the form is not leaving.
function warnUnsaved(form) {
  let dirty = false;
  const note = document.querySelector("[data-unsaved-note]");
  const mark = () => {
    dirty = true;
    if (note) note.hidden = false;
  };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
}

// Try a message: post with fetch and swap in the answer, so the chosen file stays
// chosen (a page reload would forget it) and can be checked again under another version.
function tryForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    let fresh;
    try {
      const answer = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
      fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    } catch {
      fresh = null;
    }
    const freshMain = fresh && fresh.querySelector("main.main");
    const freshForm = freshMain && freshMain.querySelector("form[data-try-form]");
    if (!freshForm) { form.submit(); return; } // e.g. the session ended: let the browser show it
    freshForm.querySelector("input[type=file]").replaceWith(form.querySelector("input[type=file]"));
    document.querySelector("main.main").replaceWith(freshMain);
    localizeTimes(freshMain);
    tryForm(freshForm);
  });
}

function csrfToken(form) {
  return form.querySelector("input[name=csrf_token]").value;
}

// --- Roster import: read the header locally, map columns, check the whole file
// (students, skipped rows, before -> after), confirm a shrink, upload with progress.

function rosterImport(form) {
  const fileInput = form.querySelector("[data-roster-file]");
  const mapStep = form.querySelector("[data-step=map]");
  const tableBody = form.querySelector("[data-mapping-table] tbody");
  const message = form.querySelector("[data-map-message]");
  const options = form.querySelector("template[data-field-options]");
  const preview = form.querySelector("[data-preview]");
  const confirmBox = form.querySelector("[data-confirm-box]");
  const confirmReasons = form.querySelector("[data-confirm-reasons]");
  const replaceBox = form.querySelector("[data-replace-confirm]");
  const progress = form.querySelector("[data-progress]");
  const bar = form.querySelector("[data-progress-bar]");
  const progressText = form.querySelector("[data-progress-text]");
  const button = form.querySelector("[data-import-button]");
  const result = form.parentElement.querySelector("[data-import-result]");
  const sampleBytes = Number(form.dataset.sampleBytes || 65536);
  let checkRun = 0;

  fileInput.addEventListener("change", async () => {
    result.hidden = true;
    tableBody.replaceChildren();
    mapStep.hidden = true;
    showConfirm(null);
    const file = fileInput.files[0];
    if (!file) return;
    // Only the first part of the file goes up for the column names and samples.
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
      const samples = document.createElement("td");
      samples.className = "samples";
      samples.textContent = column.samples.length ? column.samples.join(" · ") : "(empty)";
      const choice = document.createElement("td");
      const select = document.createElement("select");
      select.dataset.header = column.header;
      select.setAttribute("aria-label", `Column ${column.header}`);
      select.append(options.content.cloneNode(true));
      select.value = column.field;
      choice.append(select);
      row.append(name, samples, choice);
      tableBody.append(row);
    }
    mapStep.hidden = false;
    runCheck();
  });

  tableBody.addEventListener("change", runCheck);
  replaceBox.addEventListener("change", updateButton);

  function payload(replace) {
    const mapping = {};
    for (const select of tableBody.querySelectorAll("select")) mapping[select.dataset.header] = select.value;
    const body = new FormData();
    body.append("csrf_token", csrfToken(form));
    body.append("file", fileInput.files[0], fileInput.files[0].name);
    body.append("mapping", JSON.stringify(mapping));
    body.append("replace", replace ? "1" : "0");
    return body;
  }

  // The whole file, read with this mapping, nothing stored: what an import would do.
  async function runCheck() {
    if (!fileInput.files[0]) return;
    const run = ++checkRun;
    form.dataset.checking = "1"; // (tests wait for the last check's answer)
    preview.hidden = false;
    preview.className = "preview";
    preview.textContent = "Reading the whole file…";
    button.disabled = true;
    let data;
    try {
      const answer = await fetch(form.dataset.checkUrl, {
        method: "POST", body: payload(false), credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
      });
      data = await answer.json();
    } catch {
      data = { error: "The file could not be checked." };
    }
    if (run !== checkRun) return; // a newer mapping replaced this check
    delete form.dataset.checking;
    showPreview(data);
  }

  function showPreview(data) {
    preview.replaceChildren();
    preview.hidden = false;
    preview.dataset.testid = "import-preview";
    if (data.error && !data.needs_confirmation) {
      preview.className = "preview failed";
      preview.textContent = data.error;
      showConfirm(null);
      button.disabled = true;
      return;
    }
    preview.className = "preview";
    const after = data.after;
    const head = document.createElement("p");
    head.textContent = `${after.students.toLocaleString()} students will be imported (${after.with_flags.toLocaleString()} with a plan or flag, ${after.guardians.toLocaleString()} guardian addresses).`;
    preview.append(head);
    if (data.rejected !== undefined) {
      const skipped = document.createElement("p");
      skipped.dataset.testid = "import-skipped";
      skipped.textContent = data.rejected
        ? `${data.rejected.toLocaleString()} rows will be skipped:` : "No rows will be skipped.";
      preview.append(skipped);
      if (data.rejected) preview.append(errorList(data.errors.slice(0, 5)));
    }
    if (data.before.students) preview.append(beforeAfter(data.before, after));
    showConfirm(data.needs_confirmation ? data.reasons : null);
  }

  function beforeAfter(before, after) {
    const table = document.createElement("table");
    table.className = "table compact before-after";
    table.dataset.testid = "before-after";
    const head = table.createTHead().insertRow();
    for (const text of ["", "Now", "", "After the import"]) {
      const th = document.createElement("th");
      th.textContent = text;
      head.append(th);
    }
    const body = table.createTBody();
    for (const [key, label] of [["students", "Students"], ["with_flags", "With a plan or flag"], ["guardians", "Guardian addresses"]]) {
      const row = body.insertRow();
      row.className = after[key] < before[key] ? "fewer" : "";
      for (const text of [label, before[key].toLocaleString(), "→", after[key].toLocaleString()]) {
        row.insertCell().textContent = text;
      }
    }
    return table;
  }

  function errorList(lines) {
    const list = document.createElement("ul");
    list.className = "errors";
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      list.append(item);
    }
    return list;
  }

  function showConfirm(reasons) {
    confirmBox.hidden = !reasons;
    replaceBox.checked = false;
    confirmReasons.replaceChildren();
    for (const reason of reasons || []) {
      const item = document.createElement("li");
      item.textContent = reason;
      confirmReasons.append(item);
    }
    updateButton();
  }

  function updateButton() {
    const asking = !confirmBox.hidden;
    button.disabled = asking && !replaceBox.checked;
    button.textContent = asking ? "Replace the roster" : "Import";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    upload(payload(!confirmBox.hidden && replaceBox.checked), file.size);
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
    progress.hidden = true;
    if (data.needs_confirmation && data.error) {
      showPreview(data); // refused: show before -> after and ask
      showResult({ error: data.error });
      return;
    }
    updateButton();
    showResult(data);
    if (!data.error) {
      showConfirm(null);
      refreshCards();
    }
  }

  // The summary and "previous roster" cards, as the server now has them.
  async function refreshCards() {
    const answer = await fetch(form.dataset.pageUrl, { credentials: "same-origin" });
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    const cards = fresh.querySelector("[data-roster-cards]");
    const mine = document.querySelector("[data-roster-cards]");
    if (cards && mine) {
      mine.replaceWith(cards);
      localizeTimes(cards);
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
      card.append(note, errorList(data.errors));
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
  for (const form of document.querySelectorAll("form[data-warn-unsaved]")) warnUnsaved(form);
  for (const form of document.querySelectorAll("form[data-try-form]")) tryForm(form);
});
