"""Career advisor: grounded answers about AI and ML engineering careers."""
