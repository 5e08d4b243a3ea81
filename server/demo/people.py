"""Pools of invented names, places and numbers for synthetic children, families and staff.

Names are common given and family names drawn from many backgrounds (with the accents,
apostrophes and hyphens real names carry, so tolerant search has something to do); on
their own they identify no one. Streets, schools, surgeries and services are made up.
Numbers come from ranges set aside so that they can never reach a real person:

* NHS numbers start with 999, the range NHS England reserves for testing;
* telephone numbers are Ofcom's drama numbers (01632 960xxx, 07700 900xxx);
* e-mail addresses use ``example.org``/``example.com`` (RFC 2606);
* postcodes are a plausible outward code with a random inward code, valid in form,
  usually not an existing postcode.

The showcase family names of PRODUCT.md §8 (Hart, Marsh, Stone, Field) are kept out of
the pools so that searching for a showcase child finds that child.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.domain.validators import validate_nhs_number

GIRLS = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Ivy",
    "Freya",
    "Lily",
    "Florence",
    "Mia",
    "Willow",
    "Rosie",
    "Sophia",
    "Isabella",
    "Grace",
    "Daisy",
    "Sienna",
    "Poppy",
    "Elsie",
    "Emily",
    "Ella",
    "Evie",
    "Harper",
    "Millie",
    "Phoebe",
    "Matilda",
    "Harriet",
    "Esme",
    "Ruby",
    "Chloë",
    "Zoë",
    "Siân",
    "Niamh",
    "Aoife",
    "Saoirse",
    "Anaïs",
    "Renée",
    "Maja",
    "Zofia",
    "Amira",
    "Aisha",
    "Fatima",
    "Maryam",
    "Hana",
    "Priya",
    "Ananya",
    "Mei",
    "Linh",
    "Thảo",
    "Chiamaka",
    "Adaeze",
    "Nia",
    "Seren",
    "Catrin",
    "Eilidh",
    "Orla",
    "Kateřina",
    "Ayşe",
    "Elif",
    "Leonie",
    "Mary-Jane",
    "Ellie-Mae",
    "Katherine",
    "Catherine",
    "Sofia",
)
BOYS = (
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Muhammad",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Freddie",
    "Jack",
    "Charlie",
    "Theo",
    "Alfie",
    "Jacob",
    "Thomas",
    "Finley",
    "Arlo",
    "Rory",
    "Seán",
    "Oisín",
    "Eoin",
    "Dylan",
    "Rhys",
    "Gethin",
    "Tomás",
    "José",
    "Mateo",
    "Łukasz",
    "Jakub",
    "Søren",
    "Björn",
    "Zoltán",
    "Ibrahim",
    "Yusuf",
    "Omar",
    "Ayaan",
    "Arjun",
    "Rohan",
    "Minh",
    "Quang",
    "Wei",
    "Chidi",
    "Emeka",
    "Kwame",
    "Kofi",
    "Jean-Paul",
    "Elliot",
    "Reuben",
    "Stanley",
    "Jude",
    "Louis",
    "Stephen",
    "Steven",
    "Mohammed",
)
WOMEN = (
    "Sarah",
    "Emma",
    "Laura",
    "Rachel",
    "Gemma",
    "Kelly",
    "Nicola",
    "Joanne",
    "Hannah",
    "Amy",
    "Katie",
    "Sophie",
    "Lucy",
    "Jennifer",
    "Aisha",
    "Nadia",
    "Agnieszka",
    "Małgorzata",
    "Siobhán",
    "Mairéad",
    "Thi Hoa",
    "Ngozi",
    "Shabana",
    "Roxana",
    "Zainab",
    "Bethan",
    "Lowri",
)
MEN = (
    "David",
    "James",
    "Daniel",
    "Michael",
    "Christopher",
    "Mark",
    "Paul",
    "Andrew",
    "Matthew",
    "Richard",
    "Lee",
    "Craig",
    "Adam",
    "Ben",
    "Tom",
    "Imran",
    "Tariq",
    "Piotr",
    "Tomasz",
    "Darragh",
    "Ciarán",
    "Văn Minh",
    "Chukwuemeka",
    "Kwabena",
    "Dariusz",
    "Gareth",
    "Rhodri",
)
FAMILY_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Ahmed",
    "Begum",
    "Ali",
    "Hussain",
    "Shah",
    "Singh",
    "Kaur",
    "Sharma",
    "Chen",
    "Wang",
    "Li",
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "O'Neill",
    "O'Brien",
    "O'Connor",
    "McCarthy",
    "MacDonald",
    "Ó Briain",
    "Smith-Jones",
    "Lloyd-Hughes",
    "Baker-Clarke",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Owusu",
    "Kowalski",
    "Nowak",
    "Müller",
    "Schäfer",
    "Dubois",
    "Lefèvre",
    "Fernández",
    "García",
    "Da Silva",
    "Santos",
    "Rossi",
    "Esposito",
    "Yılmaz",
    "Demir",
    "Andersson",
    "Jensen",
    "Van der Berg",
    "D'Souza",
    "St. John",
    "Smyth",
    "Thomson",
    "Mohamed",
    "Popescu",
    "Ionescu",
    "Kaya",
    "Hughes",
)

#: Outward codes of Sussex towns; inward codes are invented per address.
TOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Brighton", ("BN1", "BN2")),
    ("Hove", ("BN3",)),
    ("Portslade", ("BN41",)),
    ("Shoreham-by-Sea", ("BN43",)),
    ("Lewes", ("BN7",)),
    ("Newhaven", ("BN9",)),
    ("Peacehaven", ("BN10",)),
    ("Seaford", ("BN25",)),
    ("Worthing", ("BN11", "BN12", "BN13", "BN14")),
    ("Lancing", ("BN15",)),
    ("Eastbourne", ("BN21", "BN22", "BN23")),
    ("Burgess Hill", ("RH15",)),
    ("Haywards Heath", ("RH16",)),
    ("Crawley", ("RH10", "RH11")),
    ("Horsham", ("RH12",)),
    ("Uckfield", ("TN22",)),
    ("Hastings", ("TN34",)),
)

STREET_WORDS = (
    "Acorn",
    "Badger",
    "Bramble",
    "Chalkpit",
    "Copperbeech",
    "Dovecote",
    "Elderflower",
    "Fernbank",
    "Flint",
    "Foxglove",
    "Gorse",
    "Harebell",
    "Heron",
    "Kestrel",
    "Kingfisher",
    "Lark",
    "Linnet",
    "Marram",
    "Meadowsweet",
    "Nettlebed",
    "Oast",
    "Pebble",
    "Plover",
    "Saltmarsh",
    "Samphire",
    "Shingle",
    "Skylark",
    "Sorrel",
    "Starling",
    "Teasel",
    "Thistle",
    "Tidewater",
    "Wagtail",
    "Weald",
    "Willowherb",
    "Windmill",
    "Wren",
    "Lantern",
    "Beacon",
)
STREET_KINDS = (
    "Street",
    "Lane",
    "Road",
    "Close",
    "Way",
    "Gardens",
    "Crescent",
    "Rise",
    "Terrace",
    "Avenue",
    "Walk",
    "Mews",
    "Drove",
    "Court",
)

PLACE_WORDS = (
    "Seafield",
    "Downs",
    "Westdene",
    "Harbour",
    "Castle",
    "Parkside",
    "Saltdean",
    "Ridgeway",
    "Cliffside",
    "Hollowdene",
    "Brookside",
    "Chalkhill",
    "Greenway",
    "Highcroft",
    "Longmeadow",
    "Oakwood",
    "Riverbank",
    "Southdown",
    "Stonecross",
    "Upperton",
    "Wealden",
    "Whitecliff",
)
NURSERY_KINDS = ("Nursery", "Pre-school", "Children's Centre Nursery")
PRIMARY_KINDS = ("Primary School", "Primary", "Infant and Junior School", "C of E Primary")
SECONDARY_KINDS = ("Academy", "High School", "Community College", "School")
COLLEGE_KINDS = ("Sixth Form College", "College")
GP_KINDS = ("Surgery", "Medical Centre", "Practice", "Health Centre")

#: Letters that may appear in the inward code of a UK postcode (never C, I, K, M, O, V).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_NHS_TEST_PREFIX = "999"


@dataclass(frozen=True, slots=True)
class Place:
    """A town with an outward code."""

    town: str
    outward: str


def generator(*key: object) -> random.Random:
    """A reproducible random generator for one part of the demo data, named by ``key``.

    String seeds are hashed with SHA-512 by :class:`random.Random`, so every part gets an
    independent stream that does not change between Python runs.
    """
    # Reproducible synthetic data is the point here; nothing secret is drawn from it.
    return random.Random(":".join(["everychild-demo", *map(str, key)]))  # noqa: S311


def person_id(rng: random.Random) -> str:
    """A UUID-shaped hex id (32 characters) drawn from ``rng``."""
    return f"{rng.getrandbits(128):032x}"


def postcode(rng: random.Random, outward: str) -> str:
    """A postcode of valid form: the outward code and an invented inward code."""
    letters = "".join(rng.choice(_INWARD_LETTERS) for _ in range(2))
    return f"{outward} {rng.randrange(10)}{letters}"


def place(rng: random.Random) -> Place:
    """A town and one of its outward codes."""
    town, outwards = rng.choice(TOWNS)
    return Place(town=town, outward=rng.choice(outwards))


def street(rng: random.Random) -> str:
    """A house number and an invented street."""
    return f"{rng.randint(1, 180)} {rng.choice(STREET_WORDS)} {rng.choice(STREET_KINDS)}"


def landline(rng: random.Random) -> str:
    """An Ofcom drama landline number (never allocated to anyone)."""
    return f"01632 960{rng.randrange(1000):03d}"


def mobile(rng: random.Random) -> str:
    """An Ofcom drama mobile number (never allocated to anyone)."""
    return f"07700 900{rng.randrange(1000):03d}"


def nhs_number(rng: random.Random, taken: set[str]) -> str:
    """An unused NHS number from the test range, valid by modulus 11; added to ``taken``."""
    while True:
        first_nine = _NHS_TEST_PREFIX + f"{rng.randrange(1_000_000):06d}"
        total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check == 10:  # no valid number starts with these nine digits
            continue
        number = validate_nhs_number(first_nine + str(check))
        if number not in taken:
            taken.add(number)
            return number


def setting_name(rng: random.Random, age: int) -> str | None:
    """An invented educational setting suitable for a child of ``age``, or none."""
    word = rng.choice(PLACE_WORDS)
    if age < 2:
        return f"{word} {rng.choice(NURSERY_KINDS)}" if rng.random() < 0.3 else None
    if age < 4:
        return f"{word} {rng.choice(NURSERY_KINDS)}" if rng.random() < 0.7 else None
    if age < 11:
        return f"{word} {rng.choice(PRIMARY_KINDS)}"
    if age < 16:
        return f"{word} {rng.choice(SECONDARY_KINDS)}"
    return f"{word} {rng.choice(COLLEGE_KINDS)}" if rng.random() < 0.75 else None


def gp_practice_name(rng: random.Random) -> str:
    """An invented GP practice."""
    return f"{rng.choice(PLACE_WORDS)} {rng.choice(GP_KINDS)}"
