#!/usr/bin/env python3
"""Writes a realistic registrant CSV of N rows to stdout, deterministically.

Mostly clean rows, some with extra Zoom fields, 0.5% bad emails, 0.5% duplicates, accented
names; CRLF line ends as Excel writes them. Usage: gen_people.py N > people.csv
"""
import random
import sys

FIRST = ["Ana", "José", "Zoë", "François", "Björn", "Łukasz", "Søren", "Chloé", "Mónica",
         "Jürgen", "Aoife", "Priya", "Wei", "Olumide", "Fatima", "Hannah", "Mateo", "Kenji"]
LAST = ["García", "Müller", "O'Brien", "Nowak", "Johansson", "Dubois", "Rossi", "Pérez",
        "Smith", "Schäfer", "da Silva", "Chen", "Okafor", "Haddad", "Tanaka", "Walsh"]
TITLES = ["", "", "", "Marketing Manager", "CTO", "Event Coordinator", "Engineer"]
COUNTRIES = ["", "", "US", "DE", "FR", "GB", "ES", "IE"]


def main() -> None:
    rows = int(sys.argv[1])
    rng = random.Random(42)
    out = sys.stdout
    out.write("Email,First Name,Last Name,Job Title,Country,Company\r\n")
    for i in range(rows):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        roll = rng.random()
        if roll < 0.005:
            email = f"broken{i}example.com"
        elif roll < 0.01 and i > 0:
            email = f"person{rng.randrange(i)}@example.com"
        else:
            email = f"person{i}@example.com"
        title = rng.choice(TITLES)
        country = rng.choice(COUNTRIES)
        company = "\"ACME, Inc.\"" if roll > 0.9 else "Globex"
        out.write(f"{email},{first},{last},{title},{country},{company}\r\n")


if __name__ == "__main__":
    main()
