/* The query editor: YASGUI over this server's /sparql, with the service's prefixes, local
   completion, links to this server's pages, a bar chart, downloads and the named queries
   as examples. Nothing is fetched from another host. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("healthkg-config").textContent);
  var Yasgui = window.Yasgui;
  var host = document.getElementById("editor");
  if (!Yasgui || !host) { return; }

  function pageOf(iri) {
    return iri.indexOf(config.base) === 0 ? config.server + iri.slice(config.base.length) : iri;
  }

  // -- completion from this service only (prefixes, and the terms its data uses) ---------
  var Yasqe = Yasgui.Yasqe;
  var prefixList = Object.keys(config.prefixes).map(function (p) {
    return p + ": <" + config.prefixes[p] + ">";
  }).sort();
  function local(name, query) {
    var base = Yasqe.Autocompleters[name];
    if (!base) { return; }
    var cached = null;
    Yasqe.registerAutocompleter(Object.assign({}, base, {
      name: name, bulk: true, persistenceId: null,
      get: function () {
        if (name === "prefixes") { return prefixList; }
        cached = cached || fetch(config.sparql + "?query=" + encodeURIComponent(query),
                                 {headers: {Accept: "application/sparql-results+json"}})
          .then(function (r) { return r.json(); })
          .then(function (d) { return d.results.bindings.map(function (b) { return b.t.value; }); })
          .catch(function () { return []; });
        return cached;
      }
    }), false);
  }
  local("prefixes");
  local("class", "SELECT DISTINCT ?t WHERE { ?s a ?t FILTER(isIRI(?t)) } LIMIT 2000");
  local("property", "SELECT DISTINCT ?t WHERE { ?s ?t ?o } LIMIT 2000");
  Yasqe.defaults.autocompleters = ["prefixes", "variables", "class", "property"];

  // -- a bar chart of the first numeric column, labelled by the first other column -------
  var NUMERIC = /#(integer|decimal|double|float|int|long|short|nonNegativeInteger|positiveInteger)$/;
  function BarChart(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; }
  BarChart.prototype.columns = function () {
    var results = this.yasr.results;
    if (!results || !results.getVariables || results.getBoolean && results.getBoolean() !== undefined && results.getBoolean() !== null) { return null; }
    var vars = results.getVariables() || [], rows = results.getBindings() || [];
    if (!rows.length) { return null; }
    var value = vars.filter(function (v) {
      return rows.every(function (r) { return !r[v] || (r[v].datatype && NUMERIC.test(r[v].datatype)); }) &&
             rows.some(function (r) { return r[v]; });
    })[0];
    if (!value) { return null; }
    var others = vars.filter(function (v) { return v !== value; });
    function all(v, type) { return rows.every(function (r) { return !r[v] || r[v].type === type; }); }
    // Words label the bars when there are some; an IRI column gives their links.
    var label = others.filter(function (v) { return all(v, "literal"); })[0] || others[0];
    var link = others.filter(function (v) { return all(v, "uri"); })[0];
    return {value: value, label: label, link: link, rows: rows};
  };
  BarChart.prototype.canHandleResults = function () { return !!this.columns(); };
  BarChart.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.className = "chart-icon"; icon.setAttribute("aria-hidden", "true"); icon.textContent = "▇";
    return icon;
  };
  BarChart.prototype.draw = function () {
    var c = this.columns(), el = this.yasr.resultsEl;
    el.innerHTML = "";
    if (!c) { el.textContent = "No numeric column to chart."; return; }
    var rows = c.rows.slice(0, 60);
    var max = Math.max.apply(null, rows.map(function (r) { return r[c.value] ? Number(r[c.value].value) : 0; }).concat([0]));
    var figure = document.createElement("figure");
    figure.className = "bar-chart";
    var caption = document.createElement("figcaption");
    caption.textContent = c.value + (c.label ? " by " + c.label : "") +
      (c.rows.length > rows.length ? " (first " + rows.length + " rows)" : "");
    figure.appendChild(caption);
    var list = document.createElement("ol");
    rows.forEach(function (r) {
      var n = r[c.value] ? Number(r[c.value].value) : 0;
      var item = document.createElement("li");
      var href = c.link && r[c.link] ? r[c.link].value : null;
      var name = document.createElement(href ? "a" : "span");
      name.className = "bar-label";
      name.textContent = r[c.label] ? r[c.label].value : "";
      if (href) { name.href = pageOf(href); }
      var bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = (max > 0 ? Math.max(0.5, 100 * n / max) : 0) + "%";
      var number = document.createElement("span");
      number.className = "bar-value"; number.textContent = r[c.value] ? r[c.value].value : "";
      var track = document.createElement("span"); track.className = "bar-track";
      track.appendChild(bar); track.appendChild(number);
      item.appendChild(name); item.appendChild(track);
      list.appendChild(item);
    });
    figure.appendChild(list);
    el.appendChild(figure);
  };
  Yasgui.Yasr.registerPlugin("chart", BarChart);

  // -- the editor ---------------------------------------------------------------------------
  var form = document.getElementById("plain-form");
  var initial = document.getElementById("query-text").value;
  var mount = document.createElement("div");
  mount.id = "yasgui";
  host.appendChild(mount);
  form.hidden = true;
  var yasgui = new Yasgui(mount, {
    requestConfig: {endpoint: config.sparql, method: "POST",
                    acceptHeaderSelect: "application/sparql-results+json",
                    acceptHeaderGraph: "text/turtle"},
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: {getData: function () { return [{endpoint: config.sparql}]; }},
    persistenceId: null,
    populateFromUrl: false,
    yasqe: {value: initial, persistenceId: null, resizeable: true, editorHeight: "320px"},
    yasr: {prefixes: config.prefixes, persistenceId: null, defaultPlugin: "table",
           pluginOrder: ["table", "chart", "response"]}
  });
  host.setAttribute("data-enhanced", "yes");
  window.healthkgYasgui = yasgui;

  function tab() { return yasgui.getTab(); }

  // Results: IRIs under the persistent base open this server's pages, in the same tab.
  function localise(root) {
    root.querySelectorAll("a[href^='" + config.base + "']").forEach(function (a) {
      a.href = pageOf(a.getAttribute("href"));
      a.removeAttribute("target");
    });
  }
  document.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[href^='" + config.base + "']");
    if (a) { localise(a.parentNode); }
    // A link to one of this server's pages opens at once (the table would first widen a
    // cut-off cell and swallow the click).
    var local = event.target.closest && event.target.closest(".yasr a[href^='" + config.server + "']");
    if (local) { event.stopPropagation(); }
  }, true);
  function watch(t) {
    var yasr = t.getYasr && t.getYasr();
    if (yasr && !yasr.healthkgWatched) {
      yasr.healthkgWatched = true;
      yasr.on("drawn", function () { localise(yasr.rootEl); });
    }
  }
  watch(tab());
  yasgui.on("tabSelect", function () { setTimeout(function () { watch(tab()); }, 0); });
  yasgui.on("tabAdd", function () { setTimeout(function () { watch(tab()); }, 0); });
  yasgui.on("queryResponse", function () { watch(tab()); });

  // Downloads of the current query's results, answered by /sparql itself.
  var downloads = document.getElementById("downloads");
  downloads.hidden = false;
  downloads.querySelectorAll("a[data-format]").forEach(function (a) {
    function update() {
      var f = a.getAttribute("data-format");
      a.href = config.sparql + "?query=" + encodeURIComponent(tab().getYasqe().getValue()) +
               "&format=" + f;
      a.setAttribute("download", "results." + f);
    }
    a.addEventListener("focus", update);
    a.addEventListener("mouseenter", update);
    a.addEventListener("click", update);
  });

  // Examples: the named queries (from /queries) load into the editor and run.
  fetch(config.queries, {headers: {Accept: "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var byName = {};
      data.queries.forEach(function (q) { byName[q.name] = q; });
      document.querySelectorAll("a.example[data-name]").forEach(function (a) {
        var q = byName[a.getAttribute("data-name")];
        if (!q || !q.query) { return; }
        a.setAttribute("role", "button");
        a.addEventListener("click", function (event) {
          event.preventDefault();
          var t = tab();
          t.setQuery(q.query);
          t.setName && t.setName(q.title);
          host.scrollIntoView({behavior: "smooth", block: "start"});
          t.getYasqe().focus();
          t.query();
        });
      });
      document.body.setAttribute("data-examples", "ready");
    })
    .catch(function () { document.body.setAttribute("data-examples", "links"); });
})();
