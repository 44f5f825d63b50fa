/*
 * A stand-in for InboxSDK on this test page: the same ComposeView interface
 * SafeSend uses (registerComposeViewHandler, on('presending', e => e.cancel()),
 * get/set To/Cc/Bcc, getSubject, getTextContent/getHTMLContent,
 * getFromContact, getElement, getBodyElement, send()), over the compose window in the page.
 */
(function () {
  "use strict";

  function contact(value) {
    return typeof value === "string" ? { emailAddress: value, name: "" } : { ...value };
  }

  class ComposeView {
    constructor(root) {
      this.root = root;
      this.handlers = {};
      this.draft = { from: { emailAddress: "", name: "" }, to: [], cc: [], bcc: [], attachments: [] };
      this.sent = [];
      this.scheduled = [];
      root.querySelector("#send").addEventListener("click", () => this.send());
      // Other ways Gmail sends (issue 14), as InboxSDK 2.2.26 reports them: Ctrl/Cmd+Enter and
      // Send and archive raise presending; the Schedule send menu raises scheduleSendMenuOpening.
      root.addEventListener("keydown", (event) => {
        if ((event.ctrlKey || event.metaKey) && event.key === "Enter") this.send();
      });
      root.querySelector("#send-archive").addEventListener("click", () => this.send({ archive: true }));
      root.querySelector("#schedule-send").addEventListener("click", () => this.openScheduleMenu());
      root.querySelector("#schedule-tomorrow").addEventListener("click", () => this.schedule("tomorrow 8:00 AM"));
    }

    /** Like Gmail: the menu opens unless an extension cancels the opening; no presending. */
    openScheduleMenu() {
      let cancelled = false;
      this.emit("scheduleSendMenuOpening", { cancel() { cancelled = true; } });
      if (cancelled) {
        this.emit("scheduleSendMenuOpenCanceled");
        return;
      }
      this.root.querySelector("#schedule-menu").hidden = false;
    }

    schedule(when) {
      this.root.querySelector("#schedule-menu").hidden = true;
      this.scheduled.push({ ...this.record(), when });
    }

    record() {
      return {
        to: this.draft.to.map((c) => c.emailAddress), cc: this.draft.cc.map((c) => c.emailAddress),
        bcc: this.draft.bcc.map((c) => c.emailAddress), subject: this.getSubject(),
        attachments: this.draft.attachments.map((a) => a.name),
      };
    }

    on(name, handler) { (this.handlers[name] = this.handlers[name] || []).push(handler); }
    off(name, handler) { this.handlers[name] = (this.handlers[name] || []).filter((h) => h !== handler); }
    emit(name, data) { for (const handler of this.handlers[name] || []) handler(data); }

    load(draft) {
      this.draft = { ...this.draft, ...draft, to: (draft.to || []).map(contact), cc: (draft.cc || []).map(contact),
        bcc: (draft.bcc || []).map(contact), attachments: draft.attachments || [] };
      this.root.querySelector("#subject").value = draft.subject || "";
      this.root.querySelector("#body").innerHTML = draft.html || "";
      this.render();
    }

    render() {
      const from = this.draft.from;
      this.root.querySelector("#from").textContent = from.name ? `${from.name} <${from.emailAddress}>` : from.emailAddress;
      for (const field of ["to", "cc", "bcc"]) {
        const box = this.root.querySelector(`#${field}`);
        box.replaceChildren(...this.draft[field].map((c) => {
          const chip = document.createElement("span");
          chip.className = "chip";
          chip.textContent = c.emailAddress;
          return chip;
        }));
      }
      // Gmail's attachment chip markup: div.dL > a.dO > div.vI (name) + div.vJ (size), div.vq (remove).
      const area = this.root.querySelector("#attachments");
      area.replaceChildren(...this.draft.attachments.map((file) => {
        const chip = document.createElement("div");
        chip.className = "dL";
        const link = document.createElement(file.href ? "a" : "span");
        link.className = "dO";
        if (file.href) link.href = file.href;
        const name = document.createElement("div");
        name.className = "vI";
        name.textContent = file.name;
        const size = document.createElement("div");
        size.className = "vJ";
        size.textContent = `(${file.size})`;
        link.append(name, size);
        const remove = document.createElement("div");
        remove.className = "vq";
        remove.setAttribute("role", "button");
        remove.setAttribute("aria-label", `Remove attachment ${file.name}`);
        remove.textContent = "\u2715";
        remove.addEventListener("click", () => {
          this.draft.attachments = this.draft.attachments.filter((a) => a !== file);
          this.render();
        });
        chip.append(link, remove);
        return chip;
      }));
    }

    getToRecipients() { return this.draft.to.map(contact); }
    getCcRecipients() { return this.draft.cc.map(contact); }
    getBccRecipients() { return this.draft.bcc.map(contact); }
    setToRecipients(emails) { this.draft.to = emails.map(contact); this.render(); this.emit("recipientsChanged", {}); }
    setCcRecipients(emails) { this.draft.cc = emails.map(contact); this.render(); this.emit("recipientsChanged", {}); }
    setBccRecipients(emails) { this.draft.bcc = emails.map(contact); this.render(); this.emit("recipientsChanged", {}); }
    getSubject() { return this.root.querySelector("#subject").value; }
    getTextContent() { return this.root.querySelector("#body").innerText; }
    getHTMLContent() { return this.root.querySelector("#body").innerHTML; }
    getFromContact() { return { ...this.draft.from }; }
    isReply() { return false; }
    getElement() { return this.root; }
    getBodyElement() { return this.root.querySelector("#body"); }

    /** Like Gmail's Send: presending first; a cancelled send does not happen. */
    send(how = {}) {
      let cancelled = false;
      this.emit("presending", { cancel() { cancelled = true; } });
      if (cancelled) {
        this.emit("sendCanceled");
        return;
      }
      const record = { ...this.record(), ...(how.archive ? { archive: true } : {}) };
      this.sent.push(record);
      if (typeof window.onMessageSent === "function") window.onMessageSent(record);
      document.getElementById("sent-banner").hidden = false;
      this.emit("sent", { getMessageID: async () => "m1", getThreadID: async () => "t1" });
    }
  }

  const handlers = [];
  const view = new ComposeView(document.getElementById("compose"));
  window.FakeInboxSDK = {
    User: { getEmailAddress: () => view.draft.from.emailAddress },
    Compose: {
      registerComposeViewHandler(handler) {
        handlers.push(handler);
        handler(view);
        return () => handlers.splice(handlers.indexOf(handler), 1);
      },
    },
  };
  window.composeView = view;
})();
