"""The serverless delivery stack: typed config -> one provider per region -> components -> outputs."""
