"""Publishing the dataset for bulk users and crawlers: its DCAT/VoID description, the JSON-LD context and
compaction, the sitemap, and a cache that notices when the store changed."""
