// The search box's suggestions: titles, names and subjects from /suggest as one types. No framework.
// Every box marked data-suggest gets a list under it; record text is set as text, never as markup.
(function () {
  "use strict";
  var DELAY = 120;
  var english = document.documentElement.lang === "en";

  function attach(input) {
    var list = document.createElement("ul");
    var timer = null;
    var pending = null;
    var active = -1;
    list.id = (input.id || "search") + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.parentNode.insertBefore(list, input.nextSibling);

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function show(suggestions) {
      list.textContent = "";
      active = -1;
      suggestions.forEach(function (s, i) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        var kind = document.createElement("span");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        link.href = s.href + (english ? "?lang=en" : "");
        link.textContent = s.label;
        kind.className = "suggestion-type";
        kind.textContent = s.type_label + (s.authors && s.authors.length ? " · " + s.authors[0] : "");
        link.appendChild(kind);
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", String(!list.hidden));
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (pending) { pending.abort(); }
      if (!text) { close(); return; }
      pending = new AbortController();
      fetch("/suggest?q=" + encodeURIComponent(text) + (english ? "&lang=en" : ""),
            {headers: {Accept: "application/json"}, signal: pending.signal})
        .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
        .then(function (body) { if (input.value.trim() === text) { show(body.suggestions || []); } })
        .catch(function () { /* an aborted or failed request leaves the list as it was */ });
    }

    function move(step) {
      var items = list.children;
      if (!items.length) { return; }
      if (active >= 0) { items[active].removeAttribute("aria-selected"); }
      active = (active + step + items.length) % items.length;
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.children[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
