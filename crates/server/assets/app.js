// tcscreen's only script: checks requests as you type through POST /v1/validate. Every page
// works without it; it adds no content that the server does not also give after a submit.
"use strict";

(function () {
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function say(region, text) {
    if (region) {
      region.textContent = text;
    }
  }

  // The problem in an officer's words (the server's `text`), with its line and column.
  function problemText(e) {
    let text = e.text || e.message;
    if (e.line) {
      text += " (line " + e.line + (e.column ? ", column " + e.column : "") + ")";
    }
    return text;
  }

  // The request form: each problem goes under its field, and a count is announced.
  const form = document.getElementById("request-form");
  if (form) {
    const status = document.getElementById("form-status");
    const check = function () {
      const body = new URLSearchParams(new FormData(form));
      body.delete("_add");
      fetch(form.dataset.validate, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body,
        credentials: "same-origin",
      })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
          form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
          const general = [];
          (answer.errors || []).forEach(function (e) {
            const field = e.path ? form.querySelector('[data-path="' + CSS.escape(e.path) + '"]') : null;
            const error = field ? field.querySelector(".field-error") : null;
            if (error) {
              error.textContent = e.text || e.message;
              const input = field.querySelector("input, select, textarea");
              if (input) { input.setAttribute("aria-invalid", "true"); }
            } else {
              general.push(problemText(e));
            }
          });
          const n = (answer.errors || []).length;
          say(status, n === 0 ? "No problems so far." :
            n + (n === 1 ? " problem" : " problems") + " to fix" + (general.length ? ": " + general.join(" ") : "."));
        })
        .catch(function () { /* The check is a help: the server checks again on submit. */ });
    };
    form.addEventListener("input", debounce(check, 500));
    form.addEventListener("change", debounce(check, 500));
  }

  // The pasted request: problems with line and column, announced as they change.
  const pasted = document.getElementById("request");
  if (pasted && pasted.tagName === "TEXTAREA") {
    const region = document.createElement("p");
    region.id = "request-check";
    region.className = "live hint";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    pasted.insertAdjacentElement("afterend", region);
    pasted.setAttribute("aria-describedby", (pasted.getAttribute("aria-describedby") || "") + " request-check");
    const check = function () {
      if (pasted.value.trim() === "") { say(region, ""); return; }
      fetch("/v1/validate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: pasted.value,
        credentials: "same-origin",
      })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.valid) {
            say(region, "The request is valid (" + answer.id + ").");
          } else {
            say(region, (answer.errors || []).map(problemText).join(" · "));
          }
        })
        .catch(function () {});
    };
    pasted.addEventListener("input", debounce(check, 600));
  }
})();
