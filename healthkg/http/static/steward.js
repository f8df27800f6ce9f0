/* The steward desk: check a change (POST /validate), commit it with a token (POST /changes,
   Authorization: Bearer), browse the history (GET /changes) and revert a change
   (POST /changes/ID/revert). The token stays in this tab's sessionStorage. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("healthkg-config").textContent);
  var KEY = "healthkg-token";
  var $ = function (id) { return document.getElementById(id); };
  var outcome = $("outcome"), history = $("history"), token = $("token");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function pageOf(iri) {
    return iri && iri.indexOf(config.base) === 0 ? config.server + iri.slice(config.base.length) : iri;
  }
  function compact(iri) {
    if (!iri) { return ""; }
    for (var p in config.prefixes) {
      var ns = config.prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) { return p + ":" + iri.slice(ns.length); }
    }
    return iri;
  }

  // -- the token: only in sessionStorage --------------------------------------------------
  token.value = sessionStorage.getItem(KEY) || "";
  token.addEventListener("input", function () {
    if (token.value) { sessionStorage.setItem(KEY, token.value.trim()); } else { sessionStorage.removeItem(KEY); }
  });
  $("forget").addEventListener("click", function () { token.value = ""; sessionStorage.removeItem(KEY); token.focus(); });

  // -- the form -----------------------------------------------------------------------------
  function kind() { return document.querySelector("input[name=kind]:checked").value; }
  function showKind() {
    document.querySelectorAll("[data-kind]").forEach(function (d) { d.hidden = d.getAttribute("data-kind") !== kind(); });
  }
  document.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", showKind); });
  showKind();
  $("file").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) { return; }
    file.text().then(function (text) {
      var isUpdate = /^\s*(PREFIX|BASE|INSERT|DELETE|WITH|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b/i.test(text.replace(/^#.*$/mg, "")) &&
                     /\b(INSERT|DELETE|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b/i.test(text);
      document.querySelector("input[name=kind][value=" + (isUpdate ? "update" : "patch") + "]").checked = true;
      showKind();
      $(isUpdate ? "update" : "add").value = text;
    });
  });
  function payload() {
    var body = {message: $("message").value};
    if (kind() === "update") { body.update = $("update").value; }
    else {
      body.add = $("add").value; body.remove = $("remove").value; body.format = "text/turtle";
      if ($("graph").value.trim()) { body.graph = $("graph").value.trim(); }
    }
    return body;
  }
  function headers(withToken) {
    var h = {"Content-Type": "application/json", Accept: "application/json"};
    if (withToken && token.value.trim()) { h.Authorization = "Bearer " + token.value.trim(); }
    return h;
  }
  function send(url, body, withToken) {
    return fetch(url, {method: "POST", headers: headers(withToken), body: body === null ? null : JSON.stringify(body)})
      .then(function (r) {
        return r.text().then(function (text) {
          var data = null;
          try { data = JSON.parse(text); } catch (e) { data = {message: text}; }
          return {status: r.status, data: data};
        });
      });
  }

  // -- rendering the diff and the report for people ----------------------------------------
  var HINTS = {
    MinCount: "Add the missing value of {path}.",
    MaxCount: "Keep a single value of {path}: remove the others (put them in “Turtle to remove”).",
    Datatype: "Write the value with the datatype the rule expects (a number without quotes, a date as YYYY-MM-DD...).",
    Class: "Point {path} at a resource of the expected class, or state that resource's type.",
    NodeKind: "Use an IRI where a resource is expected, a literal where a value is expected.",
    Pattern: "Change the value so that it has the expected form.",
    UniqueLang: "Give one label per language: remove the duplicate.",
    LanguageIn: "Tag the text with one of the expected languages (@en, @fr).",
    In: "Use one of the allowed values.",
    HasValue: "Add the required value.",
    MinInclusive: "Use a value that is not below the minimum.",
    MaxInclusive: "Use a value that is not above the maximum.",
    SPARQL: "This rule compares the resource with others: change the numbers or links the message names.",
    Node: "The value does not have the shape expected: open it and check its own statements."
  };
  function hint(v) {
    var name = (v.constraint || "").split(/[#:]/).pop().replace("ConstraintComponent", "");
    var text = HINTS[name] || "Change the statement the message names, then check again.";
    return text.replace("{path}", v.path ? compact(v.path) : "the property");
  }
  function diff(title, lines, cls) {
    if (!lines || !lines.length) { return null; }
    var list = el("ul", {"class": "diff " + cls});
    lines.forEach(function (l) { list.appendChild(el("li", {"class": cls, text: (cls === "added" ? "+ " : "− ") + l})); });
    return el("div", {}, [el("h3", {text: title + " (" + lines.length + ")"}), list]);
  }
  function report(rep) {
    if (!rep || !rep.resources || !rep.resources.length) { return null; }
    var box = el("div", {"class": "report"}, [el("h3", {text: "What the shapes say"})]);
    rep.resources.forEach(function (res) {
      var heading = el("h4", {});
      var link = el("a", {href: pageOf(res.focus), text: res.label || res.focus});
      heading.appendChild(link);
      if (res.label) { heading.appendChild(el("span", {"class": "via", text: " " + res.focus})); }
      var list = el("ul", {});
      res.violations.forEach(function (v) {
        var item = el("li", {"class": "violation-item"}, [
          el("strong", {text: v.severity + ": "}), document.createTextNode(v.message)]);
        var details = [];
        if (v.path) { details.push("property " + compact(v.path)); }
        if (v.value_term || v.value) { details.push("value " + (v.value_term || v.value)); }
        if (details.length) { item.appendChild(el("div", {"class": "via", text: details.join(" · ")})); }
        item.appendChild(el("div", {"class": "hint", text: "How to fix it: " + hint(v)}));
        if (v.shape) { item.appendChild(el("div", {"class": "via", text: "rule " + compact(v.shape)})); }
        list.appendChild(item);
      });
      box.appendChild(el("section", {}, [heading, list]));
    });
    return box;
  }
  function show(result, action) {
    var d = result.data || {};
    outcome.innerHTML = "";
    var ok = result.status >= 200 && result.status < 300;
    var cls = ok && d.conforms !== false ? "notice ok" : "notice error";
    var text;
    if (action === "check") {
      text = ok ? (d.conforms === false ? "The change breaks the shapes' rules: " : "The change passes the shapes: ") +
                  ((d.report && d.report.summary) || "") + ". Nothing was written."
                : result.status + ": " + (d.message || "the check failed");
    } else if (ok) {
      text = "Committed as change " + d.change + ": " + d.added + " added, " + d.removed + " removed.";
    } else if (result.status === 401) {
      text = "401: " + (d.message || "a valid token is needed") + " — enter your steward token below the change.";
    } else {
      text = result.status + ": " + (d.message || "refused") + (result.status === 422 ? " Nothing was written." : "");
    }
    outcome.appendChild(el("p", {"class": cls, role: ok && d.conforms !== false ? "status" : "alert", text: text}));
    [report(d.report), diff("Added", d.added, "added"), diff("Removed", d.removed, "removed")]
      .forEach(function (n) { if (n) { outcome.appendChild(n); } });
    outcome.setAttribute("data-status", String(result.status));
    outcome.setAttribute("data-conforms", String(d.conforms !== false && ok));
  }
  function busy(flag) { $("check").disabled = flag; $("commit").disabled = flag; }

  $("check").addEventListener("click", function () {
    busy(true);
    send(config.server + "validate", payload(), false)
      .then(function (r) { show(r, "check"); })
      .catch(function (e) { show({status: 0, data: {message: e.message}}, "check"); })
      .then(function () { busy(false); });
  });
  $("commit").addEventListener("click", function () {
    if (!token.value.trim()) { show({status: 401, data: {message: "no token given"}}, "commit"); token.focus(); return; }
    busy(true);
    send(config.server + "changes", payload(), true)
      .then(function (r) { show(r, "commit"); if (r.status < 300) { loadHistory(); } })
      .catch(function (e) { show({status: 0, data: {message: e.message}}, "commit"); })
      .then(function () { busy(false); });
  });

  // -- the history --------------------------------------------------------------------------
  function loadHistory() {
    return fetch(config.server + "changes", {headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error("GET /changes answered " + r.status); } return r.json(); })
      .then(function (data) {
        history.innerHTML = "";
        if (!data.changes.length) { history.appendChild(el("p", {text: "No change yet."})); return; }
        var rows = el("tbody", {});
        data.changes.forEach(function (c) {
          var revert = el("button", {type: "button", "class": "danger", text: "Revert",
                                     "aria-label": "Revert change " + c.change});
          revert.addEventListener("click", function () {
            if (!token.value.trim()) { show({status: 401, data: {message: "no token given"}}, "revert"); token.focus(); return; }
            revert.disabled = true;
            send(config.server + "changes/" + encodeURIComponent(c.change) + "/revert", null, true)
              .then(function (r) {
                show(r, "revert");
                if (r.status < 300) { outcome.firstChild.textContent = "Reverted " + c.change + " as change " + r.data.change + "."; loadHistory(); }
                else { revert.disabled = false; }
              });
          });
          rows.appendChild(el("tr", {"data-change": c.change}, [
            el("td", {}, [el("a", {href: config.server + "changes/" + encodeURIComponent(c.change),
                                   title: c.change, text: c.change.slice(0, 10)})]),
            el("td", {text: String(c.time).replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC")}),
            el("td", {text: c.author}),
            el("td", {text: c.message || (c.reverts ? "revert of " + c.reverts.slice(0, 10) : "")}),
            el("td", {text: "+" + c.added + " / −" + c.removed}),
            el("td", {}, [revert])]));
        });
        var head = el("tr", {});
        ["Change", "When", "Who", "Message", "Triples", ""].forEach(function (h) { head.appendChild(el("th", {scope: "col", text: h})); });
        history.appendChild(el("p", {text: data.total + " change" + (data.total === 1 ? "" : "s") + ", newest first."}));
        history.appendChild(el("div", {"class": "table-scroll", tabindex: "0", role: "region", "aria-label": "History"},
                               [el("table", {}, [el("thead", {}, [head]), rows])]));
      })
      .catch(function (e) { history.appendChild(el("p", {"class": "via", text: "The history could not be loaded: " + e.message})); });
  }
  loadHistory();
})();
