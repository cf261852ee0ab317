// Autocomplete for the header search box: asks /search/suggest as one types, shows a list under the box;
// up/down move, enter opens the chosen entity (or searches), escape closes. No library.
(function () {
  "use strict";
  const input = document.querySelector("header.site form[role=search] input[name=q]");
  if (!input) return;
  const form = input.form;
  const suggestUrl = input.dataset.suggest || "/search/suggest";
  const list = document.createElement("ul");
  list.className = "suggestions";
  list.id = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  let active = -1, timer = null, latest = 0;

  function close() {
    list.hidden = true; list.replaceChildren(); active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function highlight(index) {
    const items = list.querySelectorAll("li");
    items.forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
  }
  function show(results) {
    list.replaceChildren();
    results.forEach((hit, i) => {
      const li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      const link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.name;
      li.appendChild(link);
      const meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = " " + hit.kind + (hit.matched !== hit.name ? " · " + hit.matched : "");
      li.appendChild(meta);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); window.location.href = hit.url; });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    active = -1;
  }
  async function fetchSuggestions() {
    const text = input.value.trim();
    if (!text) { close(); return; }
    const ticket = ++latest;
    const response = await fetch(suggestUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } });
    if (!response.ok || ticket !== latest) return;
    show((await response.json()).result);
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", (event) => {
    const count = list.querySelectorAll("li").length;
    if (event.key === "ArrowDown" && count) { event.preventDefault(); highlight((active + 1) % count); }
    else if (event.key === "ArrowUp" && count) { event.preventDefault(); highlight((active - 1 + count) % count); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = list.querySelectorAll("li a")[active].href;
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
})();
