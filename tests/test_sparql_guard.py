"""The query guard: every SERVICE clause found however it is written, nothing else refused."""

from __future__ import annotations

import pytest

from lod.sparql.guard import Refused, check, looks_like_update, service_targets

EVIL = "http://127.0.0.1:9/"

HIDDEN_SERVICES = {
    "plain": f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    "lower case, SILENT": f"ask {{ service silent <{EVIL}> {{ ?s ?p ?o }} }}",
    "prefixed name": "PREFIX x: <http://127.0.0.1:9/> ASK { SERVICE x:sparql { ?s ?p ?o } }",
    "relative to BASE": "BASE <http://127.0.0.1:9/> ASK { SERVICE <sparql> { ?s ?p ?o } }",
    "escaped IRI": r"ASK { SERVICE <http://127.0.0.1:9/\u0078> { ?s ?p ?o } }",
    "inside EXISTS": f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{EVIL}> {{ }} }} }}",
    "inside a subquery": f"SELECT * {{ {{ SELECT ?s {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}",
    "inside OPTIONAL and UNION": f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ OPTIONAL {{ SERVICE <{EVIL}> {{ }} }} }} }}",
    # A lexer that took `<?b)SERVICE:x#>` for an IRI would miss this one; Oxigraph runs it.
    "after a less-than with no spaces": "PREFIX : <http://127.0.0.1:9/> ASK { FILTER(?a<?b)SERVICE:x#>\n{} }",
    "in CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    "in DESCRIBE": f"DESCRIBE ?s WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("query", HIDDEN_SERVICES.values(), ids=HIDDEN_SERVICES.keys())
def test_every_service_clause_is_refused(query):
    with pytest.raises(Refused) as refused:
        check(query)
    assert refused.value.status == 403
    assert "127.0.0.1:9" in refused.value.message and "allowlist" in refused.value.message


def test_the_resolved_endpoint_is_reported():
    assert service_targets(HIDDEN_SERVICES["prefixed name"]) == ["http://127.0.0.1:9/sparql"]
    assert service_targets(HIDDEN_SERVICES["relative to BASE"]) == ["http://127.0.0.1:9/sparql"]
    assert service_targets(HIDDEN_SERVICES["escaped IRI"]) == ["http://127.0.0.1:9/x"]


def test_variable_endpoints_are_refused():
    with pytest.raises(Refused, match="variable"):
        check("ASK { BIND(<http://127.0.0.1:9/> AS ?e) SERVICE ?e { ?s ?p ?o } }", [EVIL])


def test_a_query_that_cannot_be_checked_is_refused():
    # Oxigraph would read the line after `#>` as a SERVICE clause; a query no parser vouches for is refused.
    with pytest.raises(Refused) as refused:
        check('ASK {FILTER(?a<?b)#>"""\nSERVICE <http://127.0.0.1:9/> {} """ ?p ?o """ }')
    assert refused.value.status == 400


def test_allowlist():
    allowed = ["http://127.0.0.1:9/sparql", "https://query.example.org/"]
    check("PREFIX x: <http://127.0.0.1:9/> ASK { SERVICE x:sparql { ?s ?p ?o } }", allowed)
    check("ASK { SERVICE <https://query.example.org/a/b> { ?s ?p ?o } }", allowed)  # under an entry ending in /
    with pytest.raises(Refused, match="sparql2"):
        check("ASK { SERVICE <http://127.0.0.1:9/sparql2> { ?s ?p ?o } }", allowed)
    with pytest.raises(Refused):
        check(f"ASK {{ SERVICE <http://127.0.0.1:9/sparql> {{}} SERVICE <{EVIL}> {{}} }}", allowed)


@pytest.mark.parametrize("query", [
    "SELECT ?s WHERE { ?s ?p \"web service\" }",
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT ?s { ?s a sd:Service }",
    "SELECT ?s { ?s <http://schema.org/availableService> ?o } # no SERVICE clause here",
    "SELECT ?s { ?s ?p ?o }",
])
def test_queries_without_service_clauses_pass(query):
    check(query)


def test_updates_are_recognised():
    assert looks_like_update("CLEAR ALL")
    assert looks_like_update("PREFIX ex: <http://e/>\n# comment\nINSERT DATA { ex:a ex:b ex:c }")
    assert looks_like_update("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert not looks_like_update("SELECT * { ?s ?p ?o }")
    assert not looks_like_update("PREFIX insert: <http://e/> ASK { ?s insert:p ?o }")
