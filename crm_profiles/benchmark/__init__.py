"""The analytics benchmark: seed a synthetic dataset with bulk SQL, then time our refresh against the rest."""
