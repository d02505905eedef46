/*
 * Search suggestions as residents type: the ARIA 1.2 combobox pattern with a listbox popup
 * (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/). A progressive enhancement only: without this
 * script, or without fetch, the search box is a plain form that works the same.
 *
 * Keys: Down/Up move through suggestions (focus stays in the box), Enter opens the highlighted service
 * (or searches when none is highlighted), Escape closes the list (a second Escape clears the box), Tab leaves.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;
  var counter = 0;

  function sameSite(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function enhance(input) {
    var endpoint = input.getAttribute("data-suggest-url");
    if (!endpoint || !window.fetch) {
      return;
    }
    counter += 1;
    var prefix = "search-suggest-" + counter;
    var row = input.parentNode;
    row.classList.add("autocomplete");

    var list = document.createElement("ul");
    list.id = prefix + "-list";
    list.className = "autocomplete__list";
    list.setAttribute("role", "listbox");
    var label = input.labels && input.labels.length ? input.labels[0].textContent : "";
    if (label) {
      list.setAttribute("aria-label", label.trim());
    }
    list.hidden = true;

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    row.appendChild(list);
    row.appendChild(status);

    var items = [];
    var active = -1;
    var timer = null;
    var requested = "";
    var lang = input.getAttribute("data-suggest-lang") || document.documentElement.lang || "";

    function open() {
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      setActive(-1);
    }

    function setActive(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        if (options[index].scrollIntoView) {
          options[index].scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(index) {
      var item = items[index];
      if (item && sameSite(item.url)) {
        window.location.assign(item.url);
      }
    }

    function announce() {
      var text;
      if (!items.length) {
        text = input.getAttribute("data-suggest-status-none") || "";
      } else if (items.length === 1) {
        text = input.getAttribute("data-suggest-status-one") || "";
      } else {
        text = (input.getAttribute("data-suggest-status-many") || "").replace("{n}", String(items.length));
      }
      status.textContent = text;
    }

    function render() {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = prefix + "-option-" + index;
        option.className = "autocomplete__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        if (item.lang && item.lang !== lang) {
          option.setAttribute("lang", item.lang);
        }
        option.textContent = item.title;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the box
        });
        option.addEventListener("click", function () {
          go(index);
        });
        list.appendChild(option);
      });
      active = -1;
      if (items.length) {
        open();
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query.length < MIN_CHARS) {
        items = [];
        close();
        return;
      }
      requested = query;
      var url = endpoint + "?q=" + encodeURIComponent(query) + "&lang=" + encodeURIComponent(lang);
      window
        .fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (data) {
          if (input.value.trim() !== requested) {
            return; // the resident kept typing; a newer request is on its way
          }
          items = (data && data.suggestions) || [];
          render();
          announce();
        })
        .catch(function () {
          items = [];
          close();
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = items.length;
      switch (event.key) {
        case "ArrowDown":
        case "Down":
          if (!count) {
            return;
          }
          event.preventDefault();
          open();
          setActive(active + 1 >= count ? 0 : active + 1);
          break;
        case "ArrowUp":
        case "Up":
          if (!count) {
            return;
          }
          event.preventDefault();
          open();
          setActive(active <= 0 ? count - 1 : active - 1);
          break;
        case "Enter":
          if (!list.hidden && active >= 0) {
            event.preventDefault();
            go(active);
          }
          break;
        case "Escape":
        case "Esc":
          if (!list.hidden) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            items = [];
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  var inputs = document.querySelectorAll("input[data-suggest-url]");
  for (var i = 0; i < inputs.length; i += 1) {
    enhance(inputs[i]);
  }
})();
