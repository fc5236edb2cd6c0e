"""The public SPARQL endpoint's machinery: what protects it and what runs its queries.

- `guard`: checks a query before it runs (SERVICE only to allowed endpoints, no updates).
- `execute`: runs one protocol request against a store (guard, evaluate, negotiate, serialise, cap).
- `results`: writes capped query results in the standard result formats.
- `worker` and `pool`: worker processes that open the store read-only and are killed and replaced
  when a query passes its time limit (pyoxigraph cannot cancel a query; killing its process can).
- `description`: the SPARQL 1.1 Service Description of the endpoint.
- `examples`: example queries for the query editor.
"""
