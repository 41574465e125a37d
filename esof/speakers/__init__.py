"""The speakers' own area (/speaker/): their sessions, their answers, their availability and
the profile the public speaker pages show; and the mail that tells them a published change."""
