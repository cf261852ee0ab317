// The review page's controls: Accept, Reject and Fix per row, sent to POST /review/{path}/{action} with the
// reviewer's API token (admin scope). The token and name live in sessionStorage (this tab only): never in a URL, a
// cookie or the page's forms, so no navigation can leak them. Without this script the page is a plain list.
(function () {
  "use strict";
  const auth = document.getElementById("review-auth");
  if (!auth) return;
  const tokenInput = document.getElementById("review-token");
  const reviewerInput = document.getElementById("review-reviewer");
  const KEYS = { token: "critmin.review.token", reviewer: "critmin.review.reviewer" };

  function stored(key) {
    try { return sessionStorage.getItem(key) || ""; } catch (error) { return ""; }
  }
  function keep(key, value) {
    try { sessionStorage.setItem(key, value); } catch (error) { /* storage off: the field still works */ }
  }
  tokenInput.value = stored(KEYS.token);
  reviewerInput.value = stored(KEYS.reviewer);
  tokenInput.addEventListener("input", () => keep(KEYS.token, tokenInput.value.trim()));
  reviewerInput.addEventListener("input", () => keep(KEYS.reviewer, reviewerInput.value.trim()));
  auth.hidden = false;
  document.querySelectorAll(".review-column").forEach((cell) => { cell.hidden = false; });

  function say(row, text, isError) {
    const message = row.querySelector(".review-message");
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
    message.setAttribute("role", isError ? "alert" : "status");
  }

  // The API's own words: FastAPI puts them in "detail", a string or (validation) a list of {msg}.
  function errorText(status, body) {
    let detail = body && body.detail;
    if (Array.isArray(detail)) detail = detail.map((item) => (item && item.msg) || String(item)).join("; ");
    return "Not saved (HTTP " + status + "): " + (detail || "the server gave no reason");
  }

  // Only what the reviewer changed goes into a fix; an unchanged field keeps the extracted value.
  function fixBody(form) {
    const body = {};
    for (const name of ["subject", "predicate", "object"]) {
      const field = form.elements[name];
      const original = field.tagName === "SELECT"
        ? Array.from(field.options).find((option) => option.defaultSelected)?.value
        : field.defaultValue;
      if (field.value.trim() && field.value.trim() !== original) body[name] = field.value.trim();
    }
    const attributes = form.elements.namedItem("attributes").value.trim();
    if (attributes) {
      let parsed;
      try { parsed = JSON.parse(attributes); } catch (error) { parsed = undefined; }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error('attributes must be a JSON object, e.g. {"percentage": 49}');
      }
      body.attributes = parsed;
    }
    const note = form.elements.namedItem("note").value.trim();
    if (note) body.note = note;
    return body;
  }

  function showDecision(row, decision) {
    row.dataset.status = decision.status;
    row.classList.add("decided");
    const label = decision.action === "fix" ? decision.status + " (fixed)" : decision.status;
    row.querySelector(".review-status").textContent = label;
    say(row, decision.record ? "Saved: " + label + "." : "Already " + decision.status + "; nothing changed.", false);
  }

  async function decide(form) {
    const row = form.closest("tr");
    const action = form.dataset.action;
    let body;
    try {
      body = action === "fix" ? fixBody(form) : {};
    } catch (error) {
      say(row, error.message, true);
      return;
    }
    body.reviewer = reviewerInput.value.trim();
    const headers = { "Content-Type": "application/json", "Accept": "application/json" };
    const token = tokenInput.value.trim();
    if (token) headers.Authorization = "Bearer " + token;
    const buttons = row.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    say(row, "Saving…", false);
    try {
      const response = await fetch(form.getAttribute("action"), {
        method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit", cache: "no-store",
      });
      let answer = null;
      try { answer = await response.json(); } catch (error) { answer = null; }
      if (response.ok && answer) {
        showDecision(row, answer);
        if (action === "fix") form.closest("details").open = false;
      } else {
        say(row, errorText(response.status, answer), true);
      }
    } catch (error) {
      say(row, "Not saved: the server could not be reached (" + error.message + ").", true);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  document.querySelectorAll("table.review form[data-action]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      decide(form);
    });
  });
})();
