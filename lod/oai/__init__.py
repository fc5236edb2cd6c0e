"""OAI-PMH: the provider at /oai (provider.py) and the harvester behind `lod harvest` (harvester.py)."""
