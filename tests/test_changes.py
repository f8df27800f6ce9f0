"""Changes: what a write would add and remove, computed without writing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from healthkg.changes import from_update, parse_rdf
from healthkg.errors import BadRequest, UnsupportedMediaType

G = ox.NamedNode("http://ex/g")


@pytest.fixture
def store() -> ox.Store:
    """A small store with two quads in two graphs."""
    s = ox.Store()
    s.update('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> "1" } '
             'GRAPH <http://ex/h> { <http://ex/b> <http://ex/p> "2" } }')
    return s


def _strs(quads: frozenset[ox.Quad]) -> set[str]:
    return {str(q) for q in quads}


def test_update_change_is_computed_and_store_is_untouched(store: ox.Store) -> None:
    change = from_update(store, 'DELETE { GRAPH ?g { ?s <http://ex/p> ?o } } '
                                'INSERT { GRAPH ?g { ?s <http://ex/q> ?o } } '
                                'WHERE { GRAPH ?g { ?s <http://ex/p> ?o } }')
    assert _strs(change.added) == {'<http://ex/a> <http://ex/q> "1" <http://ex/g>',
                                   '<http://ex/b> <http://ex/q> "2" <http://ex/h>'}
    assert len(change.removed) == 2
    assert len(store) == 2


def test_later_operation_sees_earlier_operation_of_same_update(store: ox.Store) -> None:
    change = from_update(store, 'INSERT DATA { GRAPH <http://ex/g> { <http://ex/x> '
                                '<http://ex/p> "3" } } ; INSERT { GRAPH <http://ex/g> { '
                                '<http://ex/y> <http://ex/p> ?o } } WHERE { <http://ex/x> '
                                '<http://ex/p> ?o }')
    assert '<http://ex/y> <http://ex/p> "3" <http://ex/g>' in _strs(change.added)


def test_inserting_present_quad_changes_nothing(store: ox.Store) -> None:
    change = from_update(store, 'INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> '
                                '<http://ex/p> "1" } }')
    assert change.empty


def test_using_graph_uri_restricts_the_where_clause(store: ox.Store) -> None:
    change = from_update(store, 'INSERT { GRAPH <http://ex/out> { ?s <http://ex/q> ?o } } '
                                'WHERE { ?s <http://ex/p> ?o }', using_graphs=["http://ex/h"])
    assert _strs(change.added) == {'<http://ex/b> <http://ex/q> "2" <http://ex/out>'}


@pytest.mark.parametrize("text,fragment", [
    ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD is refused"),
    ("INSERT { <http://ex/s> <http://ex/p> ?o } WHERE { SERVICE <http://127.0.0.1:9/> "
     "{ ?s ?p ?o } }", "SERVICE is refused"),
    ("INSERT DATA { <http://ex/x> }", "malformed update"),
    ('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> "9" } } ; '
     "DELETE WHERE { ?x }", "malformed update"),
])
def test_refused_or_malformed_update_is_bad_request(store: ox.Store, text: str,
                                                    fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        from_update(store, text)
    assert len(store) == 2


def test_using_parameter_with_using_clause_is_refused(store: ox.Store) -> None:
    with pytest.raises(BadRequest, match="may not be combined"):
        from_update(store, "WITH <http://ex/g> INSERT { ?s <http://ex/q> ?o } "
                           "WHERE { ?s <http://ex/p> ?o }", using_graphs=["http://ex/h"])


def test_turtle_body_goes_into_the_target_graph() -> None:
    quads = parse_rdf(b'<http://ex/s> <http://ex/p> "o" .', "text/turtle", graph=G,
                      max_nesting=200)
    assert [str(q) for q in quads] == ['<http://ex/s> <http://ex/p> "o" <http://ex/g>']


def test_rdfxml_with_entities_is_refused() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    with pytest.raises(BadRequest, match="DTD"):
        parse_rdf(body, "application/rdf+xml", graph=G, max_nesting=200)


def test_jsonld_with_remote_context_is_refused() -> None:
    body = b'{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://ex/s", "p": "o"}'
    with pytest.raises(BadRequest):
        parse_rdf(body, "application/ld+json", graph=G, max_nesting=200)


def test_turtle_syntax_error_names_line_and_column() -> None:
    with pytest.raises(BadRequest, match="line 2"):
        parse_rdf(b'<http://ex/s> <http://ex/p> "o" .\n<http://ex/s> <http://ex/p> .',
                  "text/turtle", graph=G, max_nesting=200)


def test_unknown_media_type_is_unsupported() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_rdf(b"x", "application/x-unknown", graph=G, max_nesting=200)


def test_blank_nodes_of_a_body_are_new_nodes() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.BlankNode("x"), ox.NamedNode("http://ex/p"), ox.Literal("old"), G))
    quads = parse_rdf(b'_:x <http://ex/p> "new" .', "text/turtle", graph=G, max_nesting=200)
    assert quads[0].subject != ox.BlankNode("x")
    change = from_update(store, 'INSERT DATA { GRAPH <http://ex/g> { _:y <http://ex/p> "n" } }')
    (added,) = change.added
    assert added.subject != ox.BlankNode("y")


def test_blank_node_matched_in_the_store_is_kept(store: ox.Store) -> None:
    store.update('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/q> [] } }')
    change = from_update(store, 'INSERT { GRAPH <http://ex/g> { ?b <http://ex/r> "x" } } '
                                'WHERE { <http://ex/a> <http://ex/q> ?b }')
    (added,) = change.added
    (existing,) = store.quads_for_pattern(ox.NamedNode("http://ex/a"),
                                          ox.NamedNode("http://ex/q"), None)
    assert added.subject == existing.object


def test_using_named_graph_uri_limits_what_graph_variables_see() -> None:
    # Regression: rdflib let GRAPH ?g range over every graph despite USING NAMED.
    store = ox.Store()
    store.update("INSERT DATA { GRAPH <http://ex/g1> { <http://ex/a> a <http://ex/T> } "
                 "GRAPH <http://ex/g2> { <http://ex/b> a <http://ex/T> } }")
    change = from_update(store, "INSERT { GRAPH <http://ex/out> { ?s a <http://ex/U> } } "
                                "WHERE { GRAPH ?g { ?s a <http://ex/T> } }",
                         using_named_graphs=["http://ex/g1"])
    assert {str(q.subject) for q in change.added} == {"<http://ex/a>"}


def test_using_named_clause_in_the_text_limits_its_own_operation() -> None:
    # Regression: USING NAMED written in the update (not the protocol parameter) let
    # GRAPH ?g range over every graph; an operation without USING still sees them all.
    store = ox.Store()
    store.update("INSERT DATA { GRAPH <http://ex/g1> { <http://ex/a> a <http://ex/T> } "
                 "GRAPH <http://ex/g2> { <http://ex/b> a <http://ex/T> } }")
    change = from_update(store, "INSERT { GRAPH <http://ex/out> { ?s a <http://ex/U> } } "
                                "USING NAMED <http://ex/g1> "
                                "WHERE { GRAPH ?g { ?s a <http://ex/T> } } ;\n"
                                "INSERT { GRAPH <http://ex/all> { ?s a <http://ex/V> } } "
                                "WHERE { GRAPH ?g { ?s a <http://ex/T> } } ;\n"
                                "INSERT { GRAPH <http://ex/none> { ?s a <http://ex/W> } } "
                                "USING <http://ex/g2> WHERE { GRAPH ?g { ?s a <http://ex/T> } }")
    by_graph = {(str(q.graph_name), str(q.subject)) for q in change.added}
    assert by_graph == {("<http://ex/out>", "<http://ex/a>"), ("<http://ex/all>", "<http://ex/a>"),
                        ("<http://ex/all>", "<http://ex/b>")}


def test_a_quad_both_removed_and_added_is_kept() -> None:
    # Regression: a Graph Store PUT repeating a stored triple removed it.
    from healthkg.changes import effective

    store = ox.Store()
    quad = ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"),
                   ox.Literal("x"), ox.NamedNode("http://ex/g"))
    store.add(quad)
    assert effective(store, [quad], [quad]).empty


@pytest.mark.parametrize(("text", "fast_path"), [
    ('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> "DELETE DATA x" } }',
     True),
    ('PREFIX ex: <http://ex/> INSERT DATA { ex:a ex:p ex:b } ; INSERT DATA { ex:a ex:p 1 }',
     True),
    ('DELETE DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> "old" } }', True),
    ('INSERT DATA { <http://ex/a> <http://ex/p> "new" } ; DELETE DATA { <http://ex/a> '
     '<http://ex/p> "new" }', False),
    ('DELETE { ?s ?p "old" } WHERE { ?s ?p "old" }', False),
])
def test_data_only_updates_give_the_same_change_as_the_general_path(
        text: str, fast_path: bool) -> None:
    from healthkg import changes

    store = ox.Store()
    store.update('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> "old" } }')
    fast = changes._data_change(store, text, None)
    # The trailing no-op operation sends the same update down rdflib's general path.
    general = from_update(store, text + " ; CLEAR SILENT GRAPH <http://ex/none>")
    assert (fast is not None) is fast_path
    if fast is not None:
        assert fast == general and not fast.empty
