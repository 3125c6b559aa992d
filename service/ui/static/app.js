// Keyboard shortcuts of the review workspace (plain JavaScript, no dependencies).
// Queue: j/k or arrows move the selection, Enter/o opens, a opens the invoice (it never approves from
// the queue: nobody approves an invoice they have not seen), r opens it ready to reject.
// Invoice page: j/k next/previous invoice, a opens the approval confirmation (amount, supplier, open
// reasons; only its own button approves), r reject (focus the reason), h hold, u back to the queue.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    var tag = el && el.tagName ? el.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || (el && el.isContentEditable);
  }

  function setupQueue() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.queue-row"));
    var index = -1;
    function select(i) {
      if (!rows.length) return;
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("selected", n === index); });
      var link = rows[index].querySelector("a.row-link");
      if (link) link.focus();
    }
    rows.forEach(function (row, n) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, button, input, label")) return;
        window.location.href = row.getAttribute("data-href");
      });
      var link = row.querySelector("a.row-link");
      if (link) link.addEventListener("focus", function () {
        index = n;
        rows.forEach(function (r, m) { r.classList.toggle("selected", m === n); });
      });
    });
    document.addEventListener("keydown", function (e) {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "j" || e.key === "ArrowDown") { select(index + 1); e.preventDefault(); }
      else if (e.key === "k" || e.key === "ArrowUp") { select(index - 1); e.preventDefault(); }
      else if ((e.key === "o" || e.key === "Enter") && index >= 0) { window.location.href = rows[index].getAttribute("data-href"); e.preventDefault(); }
      else if ((e.key === "a" || e.key === "r") && rows.length) {
        var target = rows[index >= 0 ? index : 0].getAttribute("data-href");
        window.location.href = target + (e.key === "a" ? "" : "#reject-reason");
        e.preventDefault();
      }
    });
  }

  function setupConfirmation() {
    var dialog = document.getElementById("approve-confirm");
    var opener = document.getElementById("approve");
    if (!dialog || !opener) return null;
    function open() { if (!dialog.open) dialog.showModal(); }
    // the button submits the form without JavaScript (the server then shows the confirmation as a page)
    opener.addEventListener("click", function (e) { e.preventDefault(); open(); });
    var cancel = document.getElementById("approve-cancel");
    if (cancel) cancel.addEventListener("click", function () { dialog.close(); opener.focus(); });
    return open;
  }

  function setupInvoice() {
    var hash = window.location.hash;
    if (hash === "#reject-reason") {
      var el = document.querySelector(hash);
      if (el) el.focus();
    }
    var confirmApproval = setupConfirmation();
    function go(id) { var a = document.getElementById(id); if (a) window.location.href = a.href; }
    document.addEventListener("keydown", function (e) {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (document.querySelector("dialog[open]")) return;  // inside the confirmation no shortcut acts
      if (e.key === "j") { go("next-invoice"); e.preventDefault(); }
      else if (e.key === "k") { go("prev-invoice"); e.preventDefault(); }
      else if (e.key === "u") { go("back-to-queue"); e.preventDefault(); }
      else if (e.key === "a") {
        if (confirmApproval) { e.preventDefault(); confirmApproval(); }
      } else if (e.key === "r") {
        var reason = document.getElementById("reject-reason");
        if (reason) { e.preventDefault(); reason.focus(); }
      } else if (e.key === "h") {
        var hold = document.getElementById("hold-comment");
        if (hold) { e.preventDefault(); hold.focus(); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "queue") setupQueue();
    if (page === "invoice") setupInvoice();
  });
})();

// An expired session keeps what was typed (#17). Every textarea of a form (comments, reasons) is kept
// in sessionStorage (this tab only) while it is typed, per page and field. A form sent while the
// session had expired ends on the sign-in page; signing in again returns to the page (the login's
// `next` is the page the form was on), where the empty fields get their text back. The text is
// forgotten once the page the form led to says the action was done, or is another page.
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; store.getItem("x"); } catch (e) { return; }
  var PREFIX = "einvoice-keep:";
  var SENT = "einvoice-keep-sent";

  function forget(path) {
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf(PREFIX + path + "#") === 0) store.removeItem(k);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var path = window.location.pathname;
    if (document.body.getAttribute("data-page") === "login") return;  // keep everything until back
    var sent = store.getItem(SENT);
    if (sent) {
      store.removeItem(SENT);
      if (sent !== path || document.querySelector(".flash.ok")) forget(sent);
    }
    var fields = document.querySelectorAll("form textarea[id]");
    Array.prototype.forEach.call(fields, function (field) {
      var key = PREFIX + path + "#" + field.id;
      var kept = store.getItem(key);
      if (kept && !field.value) field.value = kept;
      field.addEventListener("input", function () {
        if (field.value) store.setItem(key, field.value); else store.removeItem(key);
      });
      if (field.form) field.form.addEventListener("submit", function () { store.setItem(SENT, path); });
    });
  });
})();
