// The query editor: YASGUI (installed from npm by the project's set-up) pointed at this endpoint only.
// Autocompletion from remote services (prefix.cc, LOV) stays off: the page talks to this site alone.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || !window.Yasgui) {
    return; // the plain form below keeps working without the editor
  }
  var endpoint = root.getAttribute("data-endpoint");
  var examples = JSON.parse(document.getElementById("sparql-examples").textContent);
  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false, // ?query= on this address is a SPARQL request, not the editor's state
    yasqe: { value: examples[0].query, autocompleters: ["variables", "prefixes"], prefixCcApi: null },
  });
  document.querySelector(".sparql-fallback").hidden = true;
  window.lodYasgui = yasgui;

  function show(name) {
    var example = examples.find(function (e) { return e.name === name; });
    var tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.getYasqe().setValue(example.query);
    tab.getYasqe().query();
  }
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      history.replaceState(null, "", "#example=" + button.getAttribute("data-example"));
      show(button.getAttribute("data-example"));
    });
  });
  // A link to /sparql#example=NAME opens that example and runs it.
  var linked = /^#example=([\w-]+)$/.exec(window.location.hash);
  if (linked && examples.some(function (e) { return e.name === linked[1]; })) {
    show(linked[1]);
  }
})();
