/* The cluster network (and an organisation's neighbourhood) drawn with Cytoscape.js.
   Fed by the named query cluster-network (SPARQL JSON); a click, or Enter on the node
   chosen with the arrow keys, opens the resource's page on this server. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("healthkg-config").textContent);
  var COLOURS = {cluster: "#7a3e9d", network: "#0b5cad", organisation: "#1f7a4d",
                 platform: "#b35900", equipment: "#6b6b6b", other: "#6b6b6b"};

  function pageOf(iri) {
    // IRIs under the persistent base live on this server, path for path.
    return iri.indexOf(config.base) === 0 ? config.server + iri.slice(config.base.length) : iri;
  }

  function elementsFrom(bindings, focus) {
    var nodes = {}, edges = [];
    bindings.forEach(function (b, i) {
      var s = b.source.value, t = b.target.value;
      if (focus && s !== focus && t !== focus) { return; }
      nodes[s] = nodes[s] || {id: s, label: b.sourceLabel.value, kind: b.sourceKind.value};
      nodes[t] = nodes[t] || {id: t, label: b.targetLabel.value, kind: b.targetKind.value};
      edges.push({data: {id: "e" + i, source: s, target: t, label: b.relation.value}});
    });
    var out = Object.keys(nodes).sort().map(function (k) {
      var n = nodes[k];
      return {data: {id: n.id, label: n.label, kind: n.kind, focus: n.id === focus ? 1 : 0}};
    });
    return out.concat(edges);
  }

  function draw(container, bindings) {
    var focus = container.getAttribute("data-focus") || null;
    var status = document.getElementById(container.id + "-status");
    var elements = elementsFrom(bindings, focus);
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        {selector: "node", style: {
          "background-color": function (n) { return COLOURS[n.data("kind")] || COLOURS.other; },
          "label": "data(label)", "font-size": 17, "color": "#1b1f24",
          "text-wrap": "wrap", "text-max-width": 170, "text-valign": "bottom",
          "text-margin-y": 4, "width": 30, "height": 30,
          "text-background-color": "#fff", "text-background-opacity": 0.8}},
        {selector: "node[focus = 1]", style: {"width": 44, "height": 44, "font-weight": "bold"}},
        {selector: "node:selected", style: {"border-width": 4, "border-color": "#f0a500"}},
        {selector: "edge", style: {
          "width": 1.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1",
          "target-arrow-shape": "triangle", "curve-style": "bezier",
          "label": "data(label)", "font-size": 11, "color": "#3d4650",
          "text-rotation": "autorotate", "text-wrap": "ellipsis", "text-max-width": 110,
          "text-background-color": "#fff", "text-background-opacity": 0.8}}
      ],
      layout: focus ? {name: "concentric", concentric: function (n) { return n.data("focus") ? 2 : 1; },
                       levelWidth: function () { return 1; }, minNodeSpacing: 90, animate: false}
                    : {name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: true,
                       nodeRepulsion: function () { return 60000; }, idealEdgeLength: function () { return 60; },
                       nodeOverlap: 40, gravity: 1, numIter: 2500, componentSpacing: 80, padding: 20}
    });
    cy.on("tap", "node", function (event) { window.location.href = pageOf(event.target.id()); });
    cy.on("mouseover", "node", function () { container.style.cursor = "pointer"; });
    cy.on("mouseout", "node", function () { container.style.cursor = ""; });

    // Keyboard: the arrow keys choose a node, Enter opens it.
    var order = cy.nodes().sort(function (a, b) { return a.data("label").localeCompare(b.data("label")); });
    var index = -1;
    container.tabIndex = 0;
    container.addEventListener("keydown", function (event) {
      var step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
      if (step) {
        event.preventDefault();
        index = (index + step + order.length) % order.length;
        cy.nodes().unselect();
        var node = order[index];
        node.select();
        if (status) { status.textContent = node.data("label") + " (" + node.data("kind") + "), " +
                      (index + 1) + " of " + order.length + ": press Enter to open its page."; }
      } else if (event.key === "Enter" && index >= 0) {
        window.location.href = pageOf(order[index].id());
      }
    });
    container.setAttribute("data-drawn", String(cy.nodes().length));
    window.healthkgNetworks = window.healthkgNetworks || {};
    window.healthkgNetworks[container.id] = cy;
    return cy;
  }

  function start() {
    var containers = document.querySelectorAll("[data-network]");
    if (!containers.length || !window.cytoscape) { return; }
    fetch(config.network, {headers: {Accept: "application/sparql-results+json"}})
      .then(function (r) {
        if (!r.ok) { throw new Error("the network query answered " + r.status); }
        return r.json();
      })
      .then(function (data) {
        containers.forEach(function (c) { draw(c, data.results.bindings); });
      })
      .catch(function (error) {
        containers.forEach(function (c) {
          c.setAttribute("data-drawn", "error");
          c.textContent = "The picture could not be drawn (" + error.message + "); the links are listed on this page.";
        });
      });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
