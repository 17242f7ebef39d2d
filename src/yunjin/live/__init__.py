"""Live channels: their catalog entries, sources and the recorder that archives them."""
