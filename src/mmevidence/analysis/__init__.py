"""Analysis: runs a study's plan on the analysis datasets and returns tidy result records."""
