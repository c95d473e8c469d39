// evalign: a little progressive enhancement. Every page works without it.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  }

  // Annotation queue keyboard shortcuts.
  function queueKeys() {
    const form = document.getElementById("label-form");
    if (!form) return;
    const radios = Array.from(form.querySelectorAll('input[type="radio"][name="value"]'));
    const reasoning = form.querySelector("#reasoning");
    const submit = () => {
      const picked = radios.length === 0 || radios.some((r) => r.checked);
      if (picked && form.reportValidity()) form.requestSubmit(form.querySelector('button[value="label"]'));
    };
    document.addEventListener("keydown", (ev) => {
      if (ev.target === reasoning && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault(); submit(); return;
      }
      if (typing(ev.target) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      // a focused button or link keeps its own Enter (e.g. Tab to Skip, then Enter)
      if (ev.key === "Enter" && ev.target.closest && ev.target.closest("button, a")) return;
      const key = ev.key.toUpperCase();
      const hit = radios.find((r) => r.dataset.key === key || r.dataset.letter === key);
      if (hit) { hit.checked = true; hit.focus(); ev.preventDefault(); return; }
      if (key === "S") { ev.preventDefault(); document.getElementById("skip").click(); }
      else if (key === "R" && reasoning) { ev.preventDefault(); reasoning.focus(); }
      else if (ev.key === "Enter") { ev.preventDefault(); submit(); }
    });
  }

  // Pages that show work in progress reload their data every few seconds.
  function poll() {
    const el = document.querySelector("[data-poll]");
    if (!el) return;
    setTimeout(() => { if (!document.querySelector("dialog[open]")) location.reload(); },
      Number(el.dataset.poll) || 2000);
  }

  function wire() {
    document.querySelectorAll("[data-autosubmit]").forEach((el) =>
      el.addEventListener("change", () => el.form.submit()));
    document.querySelectorAll("[data-back]").forEach((el) =>
      el.addEventListener("click", (ev) => { if (history.length > 1) { ev.preventDefault(); history.back(); } }));
    document.querySelectorAll("[data-open-dialog]").forEach((el) =>
      el.addEventListener("click", () => document.getElementById(el.dataset.openDialog).showModal()));
    document.querySelectorAll("[data-close-dialog]").forEach((el) =>
      el.addEventListener("click", () => el.closest("dialog").close()));
    document.querySelectorAll("[data-confirm]").forEach((el) =>
      el.addEventListener("submit", (ev) => { if (!confirm(el.dataset.confirm)) ev.preventDefault(); }));
    queueKeys();
    poll();
  }

  document.addEventListener("DOMContentLoaded", wire);
})();
