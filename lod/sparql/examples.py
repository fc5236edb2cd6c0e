"""Example queries offered in the query editor; each fits the data the mappings write."""

from __future__ import annotations

PREFIXES = """PREFIX bf: <http://id.loc.gov/ontologies/bibframe/>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

EXAMPLES = [
    {
        "name": "libraries",
        "title_vi": "Các thư viện và số biểu ghi",
        "title_en": "Libraries and their counts",
        "query": PREFIXES + """
# Each library of the registry, with the records it catalogued and the items it holds.
SELECT ?library ?name (COUNT(DISTINCT ?instance) AS ?records) (COUNT(DISTINCT ?item) AS ?items)
WHERE {
  ?library a schema:Library ; schema:name ?name .
  FILTER(LANG(?name) = "vi")
  OPTIONAL { ?instance a bf:Instance ; bf:adminMetadata/bf:assigner ?library }
  OPTIONAL { ?item bf:heldBy ?library }
}
GROUP BY ?library ?name
ORDER BY DESC(?records)
""",
    },
    {
        "name": "author",
        "title_vi": "Sách của một tác giả Việt Nam",
        "title_en": "Books by a Vietnamese author",
        "query": PREFIXES + """
# Works by Nguyễn Nhật Ánh, with their editions and the year each was published.
SELECT ?work (SAMPLE(?label) AS ?title) ?instance (SAMPLE(?year) AS ?published)
WHERE {
  ?author schema:name "Nguyễn Nhật Ánh" .
  ?work schema:author ?author ; rdfs:label ?label .
  OPTIONAL { ?work bf:hasInstance ?instance . OPTIONAL { ?instance schema:datePublished ?year } }
}
GROUP BY ?work ?instance
ORDER BY ?published
""",
    },
    {
        "name": "shared-works",
        "title_vi": "Tác phẩm có ở nhiều thư viện",
        "title_en": "Works held by several libraries",
        "query": PREFIXES + """
# Works that more than one library catalogued: the union catalogue at work.
SELECT ?work (SAMPLE(?label) AS ?title) (COUNT(DISTINCT ?library) AS ?libraries)
       (GROUP_CONCAT(DISTINCT ?isil; separator=", ") AS ?heldBy)
WHERE {
  ?work a bf:Work ; rdfs:label ?label ; bf:hasInstance ?instance .
  ?instance bf:adminMetadata/bf:assigner ?library .
  ?library schema:identifier ?isil .
}
GROUP BY ?work
HAVING (COUNT(DISTINCT ?library) > 1)
ORDER BY DESC(?libraries) ?title
""",
    },
    {
        "name": "subjects",
        "title_vi": "Số nhan đề theo chủ đề",
        "title_en": "Titles per subject",
        "query": PREFIXES + """
# Subjects (topics, places, genres …) and how many works are about each.
SELECT ?subject (SAMPLE(?label) AS ?heading) (COUNT(DISTINCT ?work) AS ?works)
WHERE {
  ?work a bf:Work ; bf:subject ?subject .
  ?subject rdfs:label ?label .
}
GROUP BY ?subject
ORDER BY DESC(?works) ?heading
LIMIT 50
""",
    },
]
