"""The fixed facts behind the demo data: ESOF 2022 in Leiden (its days and theme: esof/conference.py).

Venues, rooms and partner organisations are the real ones (addresses and coordinates
rounded); people, sessions and side events are generated from the pools below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from esof.side_events import neighbourhoods


@dataclass(frozen=True)
class RoomSpec:
    name: str
    capacity: int
    layout: str = "theatre"
    streaming: bool = False
    step_free: bool = True
    allows_parallel: bool = False
    # What the generator may put here: "plenary", "large", "medium", "small", "poster", "party".
    use: str = "medium"


@dataclass(frozen=True)
class VenueSpec:
    name: str
    slug: str
    address: str
    latitude: float
    longitude: float
    step_free: bool
    description: str
    opens: time
    closes: time
    rooms: tuple[RoomSpec, ...]


VENUES: tuple[VenueSpec, ...] = (
    VenueSpec(
        "Pieterskerk", "pieterskerk", "Pieterskerkhof 1a, 2311 SR Leiden", 52.1572, 4.4874, True,
        "Leiden's great Gothic church: the opening ceremony and the exhibition floor with posters "
        "and stands.",
        time(8, 30), time(21, 0),
        (
            RoomSpec("Exhibition floor", 1200, "exhibition", allows_parallel=True, use="poster"),
            RoomSpec("Main nave", 1100, "theatre", streaming=True, use="plenary"),
            RoomSpec("Choir", 250, "cabaret", use="medium"),
        ),
    ),
    VenueSpec(
        "Stadsgehoorzaal", "stadsgehoorzaal", "Breestraat 60, 2311 CS Leiden", 52.1592, 4.4904, True,
        "The city's concert hall on Breestraat: plenary sessions and keynotes.",
        time(8, 0), time(22, 0),
        (
            RoomSpec("Grote Zaal", 1000, "theatre", streaming=True, use="plenary"),
            RoomSpec("Kleine Zaal", 280, "theatre", streaming=True, use="large"),
            RoomSpec("Foyer", 150, "cabaret", use="medium"),
        ),
    ),
    VenueSpec(
        "Kamerlingh Onnes Gebouw", "kamerlingh-onnes-gebouw", "Steenschuur 25, 2311 ES Leiden",
        52.1557, 4.4878, True,
        "The former physics laboratory on Steenschuur, now home to the Law faculty.",
        time(8, 30), time(19, 0),
        (
            RoomSpec("Cleveringazaal", 420, "theatre", streaming=True, use="large"),
            RoomSpec("Lorentzzaal", 160, "theatre", streaming=True, use="medium"),
            RoomSpec("A0.44", 60, "classroom", use="medium"),
            RoomSpec("B0.11", 40, "workshop", use="small"),
            RoomSpec("B1.12", 30, "workshop", use="small"),
            RoomSpec("C1.05", 24, "boardroom", step_free=False, use="small"),
        ),
    ),
    VenueSpec(
        "Hortus botanicus", "hortus-botanicus", "Rapenburg 73, 2311 GJ Leiden", 52.1569, 4.4853, True,
        "The oldest botanical garden of the Netherlands (1590): the delegate party and garden "
        "walks.",
        time(10, 0), time(23, 30),
        (
            RoomSpec("Garden", 1500, "reception", allows_parallel=True, use="party"),
            RoomSpec("Oranjerie", 120, "cabaret", use="medium"),
        ),
    ),
    VenueSpec(
        "Academiegebouw", "academiegebouw", "Rapenburg 73, 2311 GJ Leiden", 52.1573, 4.4846, False,
        "The university's oldest building: ceremonies in the Groot Auditorium.",
        time(8, 30), time(18, 30),
        (
            RoomSpec("Groot Auditorium", 300, "theatre", streaming=True, step_free=False, use="large"),
            RoomSpec("Klein Auditorium", 90, "theatre", step_free=False, use="medium"),
            RoomSpec("Senaatskamer", 40, "boardroom", step_free=False, use="small"),
        ),
    ),
    VenueSpec(
        "Lipsius", "lipsius", "Cleveringaplaats 1, 2311 BD Leiden", 52.1596, 4.4856, True,
        "Humanities lecture halls by the Witte Singel.",
        time(8, 30), time(19, 0),
        (
            RoomSpec("Lipsius 011", 220, "theatre", streaming=True, use="large"),
            RoomSpec("Lipsius 019", 120, "theatre", use="medium"),
            RoomSpec("Lipsius 0.02", 40, "workshop", use="small"),
            RoomSpec("Lipsius 1.28", 30, "classroom", use="small"),
            RoomSpec("Lipsius 2.27", 20, "workshop", use="small"),
        ),
    ),
    VenueSpec(
        "Pieter de la Court", "pieter-de-la-court", "Wassenaarseweg 52, 2333 AK Leiden",
        52.1660, 4.4716, True,
        "The social sciences building near the station.",
        time(8, 30), time(19, 0),
        (
            RoomSpec("SA41", 300, "theatre", streaming=True, use="large"),
            RoomSpec("1A01", 80, "classroom", use="medium"),
            RoomSpec("1A20", 36, "workshop", use="small"),
        ),
    ),
    VenueSpec(
        "Gorlaeus", "gorlaeus", "Einsteinweg 55, 2333 CC Leiden", 52.1667, 4.4741, True,
        "The new science faculty building at the Leiden Bio Science Park.",
        time(8, 30), time(18, 30),
        (
            RoomSpec("Gorlaeus Collegezaal 1", 400, "theatre", streaming=True, use="large"),
            RoomSpec("Gorlaeus Collegezaal 2", 150, "theatre", use="medium"),
            RoomSpec("Practicumzaal DM0.09", 28, "lab", use="small"),
        ),
    ),
    VenueSpec(
        "Huygens Laboratorium", "huygens", "Niels Bohrweg 2, 2333 CA Leiden", 52.1692, 4.4574, True,
        "Physics and astronomy at the Science Park.",
        time(8, 30), time(18, 30),
        (
            RoomSpec("Oortzaal", 130, "theatre", use="medium"),
            RoomSpec("HL 207", 36, "workshop", use="small"),
        ),
    ),
)


@dataclass(frozen=True)
class TrackSpec:
    slug: str
    name: str
    name_nl: str
    colour: str
    topics: tuple[str, ...]


TRACKS: tuple[TrackSpec, ...] = (
    TrackSpec("health", "Health and Wellbeing", "Gezondheid en welzijn", "#8a1538", (
        "pandemic preparedness", "antimicrobial resistance", "mental health of young people",
        "ageing well", "vaccine confidence", "personalised medicine", "health inequalities",
        "long COVID", "organ-on-chip research", "global surgery",
    )),
    TrackSpec("climate", "Climate, Energy and Resilience", "Klimaat, energie en veerkracht", "#1b5e20", (
        "sea-level rise in the delta", "the energy transition", "biodiversity loss",
        "climate adaptation in cities", "nitrogen and farming", "circular economy",
        "water management", "heat in the city", "carbon removal", "climate litigation",
    )),
    TrackSpec("freedom", "Freedom of Science", "Vrijheid van wetenschap", "#4a148c", (
        "scholars at risk", "academic freedom", "research integrity", "science diplomacy",
        "sanctions and research cooperation", "threats against scientists", "open borders for talent",
        "knowledge security", "whistle-blowing in science", "censorship and self-censorship",
    )),
    TrackSpec("digital", "Digital Society and AI", "Digitale samenleving en AI", "#0d47a1", (
        "trustworthy AI", "algorithmic fairness", "quantum computing", "data sovereignty",
        "disinformation", "digital twins", "privacy by design", "AI in the clinic",
        "computational social science", "cybersecurity",
    )),
    TrackSpec("policy", "Science for Policy", "Wetenschap voor beleid", "#bf360c", (
        "evidence in crisis decision-making", "science advice", "European research funding",
        "mission-oriented innovation", "regional innovation", "the European Research Area",
        "science in parliaments", "foresight", "uncertainty communication", "citizen assemblies",
    )),
    TrackSpec("open-science", "Open Science and Careers", "Open science en loopbanen", "#004d40", (
        "recognition and rewards", "open access publishing", "research software", "FAIR data",
        "early-career researchers", "diversity in research careers", "citizen science",
        "reproducibility", "team science", "mobility of researchers",
    )),
    TrackSpec("heritage", "Heritage, Culture and Identity", "Erfgoed, cultuur en identiteit", "#5d4037", (
        "colonial collections", "languages under threat", "museums as laboratories",
        "archaeology of migration", "the history of science in Leiden", "art and science",
        "religion in public life", "memory and conflict", "cultural heritage at risk",
        "the Dutch Golden Age revisited",
    )),
    TrackSpec("frontiers", "Frontiers of Knowledge", "Grenzen van kennis", "#263238", (
        "exoplanets", "the origin of life", "dark matter", "gene editing", "the brain at work",
        "superconductivity", "gravitational waves", "synthetic biology", "plant intelligence",
        "the deep sea",
    )),
)

SESSION_PATTERNS: dict[str, tuple[str, ...]] = {
    "keynote": ("{Topic}: crossing borders", "What {topic} teaches us about resilience",
                "The next decade of {topic}"),
    "plenary": ("Europe and {topic}", "Resilient societies and {topic}", "{Topic}: a European agenda"),
    "panel": ("Who decides on {topic}?", "{Topic}: science meets society", "{Topic} across borders",
              "Beyond the lab: {topic}", "{Topic} and the public", "Engaged science: {topic}"),
    "debate": ("Should we fear {topic}?", "{Topic}: hype or hope?", "Is Europe ready for {topic}?"),
    "workshop": ("Hands-on: {topic}", "Workshop: communicating {topic}", "Designing research on {topic}",
                 "Writing about {topic} for a lay audience", "Data clinic: {topic}"),
    "seminar": ("New findings on {topic}", "{Topic}: methods and evidence", "Case studies in {topic}",
                "{Topic} in practice"),
    "poster": ("Poster session: {topic}", "Early-career posters: {topic}"),
    "open-podium": ("Open podium: {topic}", "Pitch your idea: {topic}"),
}

ABSTRACT_SENTENCES = (
    "Researchers, policy makers and citizens meet to compare what they know about {topic}.",
    "The session starts from recent findings and asks what they mean for Europe's societies.",
    "Speakers from several disciplines and countries bring their own experience.",
    "There is ample time for questions from the audience, onsite and online.",
    "We look at what crosses borders — data, people, ideas — and what does not.",
    "Participants leave with concrete examples they can use in their own work.",
    "The discussion is moderated and conducted in plain language.",
    "It builds on a European project that ran from 2018 to 2022.",
)

CATEGORIES = (
    # code, name, name_nl, fee, early fee, attendance, moderated, access code?, capacity, share, colour
    ("regular", "Regular delegate", "Deelnemer", 59500, 49500, "onsite", False, False, None, 0.40, "#1f4e79"),
    ("early-career", "Early-career researcher", "Onderzoeker aan het begin van de loopbaan", 29500, 24500,
     "onsite", False, False, 1500, 0.22, "#00695c"),
    ("student", "Student", "Student", 9500, 7500, "onsite", False, False, 800, 0.12, "#6a1b9a"),
    ("press", "Press", "Pers", 0, None, "onsite", True, False, 250, 0.03, "#b71c1c"),
    ("speaker", "Speaker", "Spreker", 0, None, "onsite", False, True, None, 0.0, "#e65100"),
    ("online", "Online only", "Alleen online", 9500, 7500, "online", False, False, None, 0.23, "#37474f"),
)

# (ISO code, weight, name pool, city for affiliations, language of the account)
COUNTRIES: tuple[tuple[str, int, str, str], ...] = (
    ("NL", 900, "dutch", "Leiden"), ("DE", 420, "german", "Berlin"), ("BE", 250, "dutch", "Leuven"),
    ("FR", 300, "french", "Paris"), ("GB", 280, "english", "London"), ("IT", 260, "italian", "Bologna"),
    ("ES", 230, "spanish", "Madrid"), ("PT", 110, "portuguese", "Lisbon"), ("IE", 70, "english", "Dublin"),
    ("LU", 15, "french", "Luxembourg"), ("AT", 90, "german", "Vienna"), ("CH", 110, "german", "Zurich"),
    ("DK", 80, "nordic", "Copenhagen"), ("SE", 110, "nordic", "Stockholm"), ("NO", 70, "nordic", "Oslo"),
    ("FI", 80, "nordic", "Helsinki"), ("IS", 10, "nordic", "Reykjavik"), ("PL", 150, "slavic", "Warsaw"),
    ("CZ", 70, "slavic", "Prague"), ("SK", 35, "slavic", "Bratislava"), ("HU", 60, "central", "Budapest"),
    ("SI", 25, "slavic", "Ljubljana"), ("HR", 30, "slavic", "Zagreb"), ("RS", 30, "slavic", "Belgrade"),
    ("BA", 10, "slavic", "Sarajevo"), ("ME", 5, "slavic", "Podgorica"), ("MK", 8, "slavic", "Skopje"),
    ("AL", 8, "central", "Tirana"), ("GR", 110, "greek", "Athens"), ("CY", 15, "greek", "Nicosia"),
    ("MT", 10, "english", "Valletta"), ("RO", 70, "central", "Bucharest"), ("BG", 35, "slavic", "Sofia"),
    ("MD", 6, "central", "Chisinau"), ("UA", 60, "slavic", "Kyiv"), ("LT", 25, "baltic", "Vilnius"),
    ("LV", 20, "baltic", "Riga"), ("EE", 25, "baltic", "Tartu"), ("TR", 60, "turkish", "Istanbul"),
    ("GE", 10, "central", "Tbilisi"), ("AM", 8, "central", "Yerevan"), ("AZ", 5, "turkish", "Baku"),
    ("US", 180, "english", "Boston"), ("CA", 70, "english", "Toronto"), ("MX", 25, "spanish", "Mexico City"),
    ("BR", 50, "portuguese", "São Paulo"), ("AR", 20, "spanish", "Buenos Aires"),
    ("CL", 15, "spanish", "Santiago"), ("CO", 15, "spanish", "Bogotá"), ("PE", 8, "spanish", "Lima"),
    ("UY", 5, "spanish", "Montevideo"), ("CR", 5, "spanish", "San José"), ("CN", 70, "chinese", "Beijing"),
    ("JP", 40, "japanese", "Kyoto"), ("KR", 30, "korean", "Seoul"), ("IN", 90, "indian", "Bangalore"),
    ("PK", 12, "indian", "Lahore"), ("BD", 8, "indian", "Dhaka"), ("ID", 15, "southeast", "Jakarta"),
    ("MY", 10, "southeast", "Kuala Lumpur"), ("SG", 15, "chinese", "Singapore"),
    ("TH", 10, "southeast", "Bangkok"), ("VN", 10, "southeast", "Hanoi"), ("PH", 8, "southeast", "Manila"),
    ("TW", 12, "chinese", "Taipei"), ("IL", 30, "hebrew", "Tel Aviv"), ("IR", 15, "persian", "Tehran"),
    ("LB", 6, "arabic", "Beirut"), ("JO", 6, "arabic", "Amman"), ("SA", 8, "arabic", "Riyadh"),
    ("AE", 10, "arabic", "Abu Dhabi"), ("QA", 5, "arabic", "Doha"), ("NP", 5, "indian", "Kathmandu"),
    ("LK", 5, "indian", "Colombo"), ("ZA", 35, "english", "Cape Town"), ("NG", 30, "westafrican", "Lagos"),
    ("KE", 25, "eastafrican", "Nairobi"), ("GH", 20, "westafrican", "Accra"), ("EG", 15, "arabic", "Cairo"),
    ("MA", 12, "arabic", "Rabat"), ("TN", 10, "arabic", "Tunis"), ("ET", 10, "eastafrican", "Addis Ababa"),
    ("UG", 10, "eastafrican", "Kampala"), ("TZ", 8, "eastafrican", "Dar es Salaam"),
    ("RW", 8, "eastafrican", "Kigali"), ("SN", 6, "westafrican", "Dakar"), ("CM", 6, "westafrican", "Yaoundé"),
    ("ZW", 5, "eastafrican", "Harare"), ("AU", 40, "english", "Melbourne"), ("NZ", 15, "english", "Auckland"),
)

NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dutch": (("Anne", "Sanne", "Lotte", "Femke", "Eva", "Marloes", "Joris", "Pieter", "Bram", "Thijs",
               "Daan", "Sem", "Willemijn", "Koen", "Floor", "Ruben", "Noor", "Jeroen", "Ilse", "Maarten"),
              ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
               "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker",
               "van Leeuwen", "Kok", "Verhoeven", "Janssens")),
    "german": (("Anna", "Lena", "Katharina", "Julia", "Lukas", "Jonas", "Felix", "Maximilian", "Sophie",
                "Johanna", "Tobias", "Matthias", "Clara", "Jürgen", "Ursula"),
               ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
                "Hoffmann", "Schäfer", "Koch", "Richter", "Klein", "Wolf", "Schröder")),
    "french": (("Camille", "Léa", "Chloé", "Manon", "Louis", "Hugo", "Antoine", "Julien", "Élodie",
                "Mathilde", "Nicolas", "Thomas", "Sophie", "Margaux", "Benoît"),
               ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
                "Leroy", "Moreau", "Lefèvre", "Girard", "Fournier", "Mercier", "Rousseau")),
    "english": (("Emma", "Olivia", "Charlotte", "Amelia", "James", "Oliver", "Harry", "George",
                 "Sarah", "Rachel", "Michael", "David", "Hannah", "Grace", "Liam"),
                ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
                 "Thomas", "Johnson", "Roberts", "Walker", "Wright", "Murphy", "O'Brien")),
    "italian": (("Giulia", "Francesca", "Chiara", "Sara", "Alessandro", "Lorenzo", "Matteo", "Marco",
                 "Federica", "Valentina", "Giovanni", "Luca", "Elena", "Davide", "Beatrice"),
                ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
                 "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa")),
    "spanish": (("Lucía", "María", "Paula", "Carmen", "Alejandro", "Pablo", "Javier", "Daniel",
                 "Marta", "Laura", "Sergio", "Diego", "Andrea", "Álvaro", "Elena"),
                ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
                 "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno")),
    "portuguese": (("Ana", "Beatriz", "Inês", "Mariana", "João", "Pedro", "Tiago", "Rui", "Carolina",
                    "Gabriel", "Rafael", "Luísa"),
                   ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
                    "Martins", "Sousa", "Fernandes", "Gonçalves", "Almeida")),
    "nordic": (("Emma", "Ingrid", "Astrid", "Sofie", "Freja", "Lars", "Anders", "Mikkel", "Erik",
                "Oskar", "Sigrid", "Magnus", "Aino", "Jukka", "Katrín"),
               ("Hansen", "Johansson", "Andersson", "Nielsen", "Larsen", "Olsen", "Lindqvist",
                "Berg", "Virtanen", "Korhonen", "Sigurðsson", "Eriksson", "Dahl", "Nyström", "Lund")),
    "slavic": (("Anna", "Katarzyna", "Tereza", "Ivana", "Marija", "Olena", "Piotr", "Tomasz", "Jakub",
                "Marek", "Luka", "Nikola", "Dmytro", "Petra", "Milena"),
               ("Nowak", "Kowalski", "Wójcik", "Novák", "Svoboda", "Horvat", "Kovačević",
                "Petrović", "Shevchenko", "Kovalenko", "Dvořák", "Zieliński", "Bondarenko", "Popović", "Krajnc")),
    "central": (("Eszter", "Réka", "Bence", "Ioana", "Andrei", "Elena", "Mihai", "Giorgi", "Nino",
                 "Ani", "Arben", "Zsófia"),
                ("Nagy", "Kovács", "Szabó", "Popescu", "Ionescu", "Dumitrescu", "Beridze",
                 "Grigoryan", "Hoxha", "Tóth", "Constantin", "Lomidze")),
    "greek": (("Maria", "Eleni", "Katerina", "Georgios", "Dimitris", "Nikos", "Sofia", "Ioannis",
               "Christina", "Andreas"),
              ("Papadopoulos", "Georgiou", "Nikolaou", "Vlachos", "Konstantinou", "Ioannou",
               "Dimitriou", "Papageorgiou", "Christodoulou", "Antoniou")),
    "baltic": (("Rūta", "Ieva", "Laura", "Kristina", "Mantas", "Jānis", "Andris", "Kadri", "Liis",
                "Martin"),
               ("Kazlauskas", "Vaitkus", "Bērziņš", "Kalniņš", "Tamm", "Saar", "Sepp",
                "Jankauskas", "Ozoliņš", "Mägi")),
    "turkish": (("Elif", "Zeynep", "Ayşe", "Mehmet", "Emre", "Can", "Deniz", "Leyla", "Murat", "Aylin"),
                ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan",
                 "Aliyev", "Doğan")),
    "chinese": (("Wei", "Jing", "Li", "Xin", "Hao", "Mei", "Yan", "Chen", "Yu", "Ting"),
                ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Lin")),
    "japanese": (("Yuki", "Haruka", "Aiko", "Hiroshi", "Takeshi", "Kenji", "Sakura", "Yuto", "Mai", "Ren"),
                 ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
                  "Nakamura", "Kobayashi", "Kato")),
    "korean": (("Ji-woo", "Seo-yeon", "Min-jun", "Ha-eun", "Do-yun", "Soo-ah", "Jae-won", "Yuna"),
               ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon")),
    "indian": (("Priya", "Ananya", "Aditi", "Kavya", "Rahul", "Arjun", "Vikram", "Rohan", "Sana",
                "Imran", "Meera", "Nisha", "Farhan", "Anil"),
               ("Sharma", "Patel", "Gupta", "Reddy", "Iyer", "Khan", "Singh", "Rao", "Nair",
                "Chatterjee", "Hossain", "Perera", "Shrestha", "Mehta")),
    "southeast": (("Siti", "Nur", "Dewi", "Putri", "Anh", "Linh", "Somchai", "Arif", "Maria", "Jose"),
                  ("Santoso", "Wijaya", "Nguyen", "Tran", "Pham", "Rahman", "Tan", "Reyes",
                   "Suwannarat", "Abdullah")),
    "hebrew": (("Noa", "Tamar", "Yael", "Avi", "Yosef", "Daniel", "Maya", "Eitan"),
               ("Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "Shapiro", "Katz")),
    "persian": (("Maryam", "Zahra", "Sara", "Ali", "Reza", "Hossein", "Leila", "Dariush"),
                ("Hosseini", "Ahmadi", "Karimi", "Rezaei", "Moradi", "Mohammadi", "Jafari", "Rahimi")),
    "arabic": (("Fatima", "Layla", "Amira", "Nour", "Omar", "Youssef", "Karim", "Ahmed", "Hana", "Samir"),
               ("Haddad", "Khoury", "Mansour", "El-Sayed", "Benali", "Hassan", "Saleh", "Nasser",
                "Aziz", "Farouk")),
    "westafrican": (("Adaeze", "Chiamaka", "Ama", "Efua", "Kwame", "Chinedu", "Oluwaseun", "Aminata",
                     "Moussa", "Kofi"),
                    ("Okafor", "Adeyemi", "Mensah", "Boateng", "Diallo", "Ndiaye", "Eze", "Nwosu",
                     "Owusu", "Fofana")),
    "eastafrican": (("Wanjiru", "Amani", "Neema", "Aisha", "Tendai", "Kibet", "Tesfaye", "Abebe",
                     "Grace", "Joseph"),
                    ("Otieno", "Mwangi", "Kamau", "Nakato", "Mugisha", "Bekele", "Haile", "Moyo",
                     "Okello", "Wanjiku")),
}

INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "NL": ("Leiden University", "Leiden University Medical Center", "Utrecht University",
           "University of Amsterdam", "Delft University of Technology", "Wageningen University & Research",
           "Radboud University", "Erasmus University Rotterdam", "University of Groningen", "TNO",
           "Naturalis Biodiversity Center", "Royal Netherlands Academy of Arts and Sciences (KNAW)",
           "Hogeschool Leiden", "NWO"),
    "DE": ("Max Planck Society", "Helmholtz Association", "LMU Munich", "Heidelberg University",
           "Freie Universität Berlin", "Fraunhofer Society", "RWTH Aachen University"),
    "BE": ("KU Leuven", "Ghent University", "Université libre de Bruxelles", "imec", "University of Antwerp"),
    "FR": ("CNRS", "Sorbonne Université", "Université Paris-Saclay", "INSERM", "Institut Pasteur"),
    "GB": ("University of Oxford", "University College London", "University of Edinburgh",
           "Imperial College London", "Wellcome Sanger Institute"),
    "IT": ("University of Bologna", "Sapienza University of Rome", "Politecnico di Milano", "CNR",
           "University of Padua"),
    "ES": ("CSIC", "University of Barcelona", "Universidad Complutense de Madrid", "Barcelona Supercomputing Center"),
    "CH": ("ETH Zurich", "EPFL", "University of Geneva", "CERN"),
    "US": ("MIT", "Harvard University", "Stanford University", "AAAS", "University of California, Berkeley"),
    "SE": ("Karolinska Institutet", "Lund University", "Uppsala University"),
    "DK": ("University of Copenhagen", "Aarhus University", "Niels Bohr Institute"),
    "PL": ("University of Warsaw", "Jagiellonian University", "Polish Academy of Sciences"),
    "UA": ("Taras Shevchenko National University of Kyiv", "National Academy of Sciences of Ukraine"),
}

GENERIC_AFFILIATIONS = ("University of {city}", "{city} Institute of Technology", "National Research Council",
                        "{city} Science Centre", "Ministry of Education and Research")

PRESS_OUTLETS = ("NRC", "de Volkskrant", "Nature", "Science|Business", "Research Professional News",
                 "The Guardian", "Le Monde", "Süddeutsche Zeitung", "El País", "EOS Wetenschap",
                 "New Scientist", "Times Higher Education", "Physics World", "Quest", "NOS", "Leidsch Dagblad")

# Leiden neighbourhoods with a central point (lat, lon): the calendar's own list.
NEIGHBOURHOODS = neighbourhoods.NEIGHBOURHOODS


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    slug: str
    website: str
    kind: str  # museum, university, health, school, library, science, student, culture, city
    location: str
    address: str
    neighbourhood: str
    weight: int = 1


PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec("Naturalis Biodiversity Center", "naturalis", "https://www.naturalis.nl", "museum",
                "Naturalis", "Darwinweg 2, 2333 CR Leiden", "Bio Science Park", 4),
    PartnerSpec("Rijksmuseum Boerhaave", "boerhaave", "https://rijksmuseumboerhaave.nl", "museum",
                "Rijksmuseum Boerhaave", "Lange Sint Agnietenstraat 10, 2312 WC Leiden", "Binnenstad-Noord", 4),
    PartnerSpec("Museum Volkenkunde", "volkenkunde", "https://www.volkenkunde.nl", "museum",
                "Museum Volkenkunde", "Steenstraat 1, 2312 BS Leiden", "Binnenstad-Noord", 3),
    PartnerSpec("Rijksmuseum van Oudheden", "rmo", "https://www.rmo.nl", "museum",
                "Rijksmuseum van Oudheden", "Rapenburg 28, 2311 EW Leiden", "Binnenstad-Zuid", 3),
    PartnerSpec("Museum De Lakenhal", "lakenhal", "https://www.lakenhal.nl", "museum",
                "Museum De Lakenhal", "Oude Singel 32, 2312 RA Leiden", "Binnenstad-Noord", 3),
    PartnerSpec("Leiden University", "leiden-university", "https://www.universiteitleiden.nl", "university",
                "Academiegebouw", "Rapenburg 73, 2311 GJ Leiden", "Binnenstad-Zuid", 5),
    PartnerSpec("Leiden University Medical Center", "lumc", "https://www.lumc.nl", "health",
                "LUMC", "Albinusdreef 2, 2333 ZA Leiden", "Bio Science Park", 3),
    PartnerSpec("Hogeschool Leiden", "hogeschool-leiden", "https://www.hsleiden.nl", "school",
                "Hogeschool Leiden", "Zernikedreef 11, 2333 CK Leiden", "Bio Science Park", 2),
    PartnerSpec("BplusC", "bplusc", "https://www.bplusc.nl", "library",
                "Bibliotheek Nieuwstraat", "Nieuwstraat 4, 2312 KC Leiden", "Binnenstad-Noord", 3),
    PartnerSpec("Universitaire Bibliotheken Leiden", "ubl", "https://www.library.universiteitleiden.nl",
                "library", "Universiteitsbibliotheek", "Witte Singel 27, 2311 BG Leiden", "Binnenstad-Zuid", 2),
    PartnerSpec("Hortus botanicus Leiden", "hortus", "https://www.hortusleiden.nl", "museum",
                "Hortus botanicus", "Rapenburg 73, 2311 GJ Leiden", "Binnenstad-Zuid", 3),
    PartnerSpec("Oude Sterrewacht Leiden", "oude-sterrewacht", "https://www.oudesterrewacht.nl", "science",
                "Oude Sterrewacht", "Sterrenwachtlaan 11, 2311 GW Leiden", "Binnenstad-Zuid", 2),
    PartnerSpec("Corpus — reis door de mens", "corpus", "https://www.corpusexperience.nl", "science",
                "Corpus", "Willem Einthovenstraat 1, 2342 BH Oegstgeest", "Bio Science Park", 2),
    PartnerSpec("Leidse Studentenvereniging Minerva", "minerva", "https://www.minerva.nl", "student",
                "Sociëteit Minerva", "Breestraat 50, 2311 CS Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("L.V.V.S. Augustinus", "augustinus", "https://www.augustinus.nl", "student",
                "Sociëteit Augustinus", "Rapenburg 24, 2311 EW Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("SSR-Leiden", "ssr-leiden", "https://www.ssr-leiden.nl", "student",
                "SSR-Leiden", "Hooigracht 15, 2312 KM Leiden", "Binnenstad-Noord", 1),
    PartnerSpec("Studium Generale Leiden", "studium-generale", "https://www.studiumgenerale-leiden.nl",
                "university", "Lipsius", "Cleveringaplaats 1, 2311 BD Leiden", "Binnenstad-Zuid", 3),
    PartnerSpec("Lorentz Center", "lorentz-center", "https://www.lorentzcenter.nl", "science",
                "Lorentz Center", "Niels Bohrweg 1, 2333 CA Leiden", "Bio Science Park", 1),
    PartnerSpec("Leiden Bio Science Park", "bio-science-park", "https://leidenbiosciencepark.nl", "science",
                "Leiden Bio Science Park", "J.H. Oortweg 19, 2333 CH Leiden", "Bio Science Park", 1),
    PartnerSpec("Leidse instrumentmakers School", "lis", "https://www.lis.nl", "school",
                "LiS", "Einsteinweg 61, 2333 CC Leiden", "Bio Science Park", 1),
    PartnerSpec("Japanmuseum SieboldHuis", "sieboldhuis", "https://www.sieboldhuis.org", "museum",
                "SieboldHuis", "Rapenburg 19, 2311 GE Leiden", "Binnenstad-Zuid", 2),
    PartnerSpec("Stichting Pieterskerk Leiden", "pieterskerk", "https://www.pieterskerk.com", "culture",
                "Pieterskerk", "Pieterskerkhof 1a, 2311 SR Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("Gemeente Leiden", "gemeente-leiden", "https://gemeente.leiden.nl", "city",
                "Stadhuis", "Stadhuisplein 1, 2311 EJ Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("Leidse Schouwburg en Stadsgehoorzaal", "schouwburg", "https://www.lsgh.nl", "culture",
                "Leidse Schouwburg", "Oude Vest 43, 2312 XS Leiden", "Binnenstad-Noord", 2),
    PartnerSpec("Kijkhuis", "kijkhuis", "https://www.kijkhuis.nl", "culture",
                "Kijkhuis", "Vrouwenkerksteeg 10, 2312 WS Leiden", "Binnenstad-Noord", 1),
    PartnerSpec("Scheltema", "scheltema", "https://www.scheltema.nl", "culture",
                "Scheltema", "Marktsteeg 1, 2312 CS Leiden", "Binnenstad-Noord", 1),
    PartnerSpec("Erfgoed Leiden en Omstreken", "erfgoed-leiden", "https://www.erfgoedleiden.nl", "library",
                "Erfgoed Leiden", "Boisotkade 2a, 2311 PZ Leiden", "Binnenstad-Zuid", 2),
    PartnerSpec("Museum De Waag", "de-waag", "https://www.dewaagleiden.nl", "culture",
                "De Waag", "Aalmarkt 21, 2311 EC Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("ROC Mondriaan Leiden", "roc-mondriaan", "https://www.rocmondriaan.nl", "school",
                "ROC Mondriaan", "Lammenschansweg 140, 2321 JX Leiden", "Roodenburgerdistrict", 1),
    PartnerSpec("Stedelijk Gymnasium Leiden", "stedelijk-gymnasium", "https://www.gymnasiumleiden.nl",
                "school", "Stedelijk Gymnasium", "Fruinlaan 15, 2313 EP Leiden", "Boerhaavedistrict", 1),
    PartnerSpec("Hoogheemraadschap van Rijnland", "rijnland", "https://www.rijnland.net", "city",
                "Gemeenlandshuis", "Breestraat 59, 2311 CJ Leiden", "Binnenstad-Zuid", 1),
    PartnerSpec("IVN Leiden", "ivn-leiden", "https://www.ivn.nl/afdeling/leiden", "science",
                "Leidse Hout", "Houtlaan, 2334 CK Leiden", "Merenwijk", 2),
    PartnerSpec("Space Expo Noordwijk", "space-expo", "https://www.space-expo.nl", "science",
                "Space Expo", "Keplerlaan 3, 2201 AZ Noordwijk", "Bio Science Park", 2),
    PartnerSpec("Leiden Centre of Data Science", "lcds", "https://www.universiteitleiden.nl/lcds",
                "university", "Snellius", "Niels Bohrweg 1, 2333 CA Leiden", "Bio Science Park", 1),
    PartnerSpec("Leiden Science Festival", "science-festival", "https://www.leidenwetenschapsfestival.nl",
                "science", "Stationsplein", "Stationsplein, 2312 AV Leiden", "Stationsdistrict", 2),
    PartnerSpec("Volkshuis Leiden", "volkshuis", "https://www.volkshuisleiden.nl", "culture",
                "Volkshuis", "Apothekersdijk 33a, 2312 DC Leiden", "Binnenstad-Noord", 1),
    PartnerSpec("Bibliotheek Leiden-Noord", "bieb-noord", "https://www.bplusc.nl/noord", "library",
                "Bibliotheek Leiden-Noord", "Kopenhagenstraat 1, 2316 BS Leiden", "Leiden-Noord", 1),
    PartnerSpec("Wijkcentrum De Stevenshof", "stevenshof", "https://www.stevenshof.nl", "city",
                "Wijkcentrum Stevenshof", "Stevensbloem 50, 2331 SB Leiden", "Stevenshof", 1),
    PartnerSpec("LUMC Boerhaave Nascholing", "boerhaave-nascholing", "https://www.boerhaavenascholing.nl",
                "health", "LUMC Collegezalen", "Albinusdreef 2, 2333 ZA Leiden", "Bio Science Park", 1),
    PartnerSpec("Nieuw Minerva", "nieuw-minerva", "https://www.nieuwminerva.nl", "student",
                "Nieuw Minerva", "Morsweg 40, 2332 EV Leiden", "Morsdistrict", 1),
    PartnerSpec("Leiden International Film Festival", "liff", "https://www.liff.nl", "culture",
                "Kijkhuis", "Vrouwenkerksteeg 10, 2312 WS Leiden", "Binnenstad-Noord", 1),
    PartnerSpec("Leidse Hout Kinderboerderij", "kinderboerderij", "https://www.kinderboerderijleidsehout.nl",
                "science", "Kinderboerderij Leidse Hout", "Houtlaan 6, 2334 CK Leiden", "Merenwijk", 1),
)

# Side-event subjects in Dutch and English.
SIDE_EVENT_TOPICS: tuple[tuple[str, str], ...] = (
    ("Dinosaurussen van dichtbij", "Dinosaurs up close"),
    ("Einstein in Leiden", "Einstein in Leiden"),
    ("De verborgen wereld van schimmels", "The hidden world of fungi"),
    ("Sterren kijken op de Sterrewacht", "Stargazing at the Old Observatory"),
    ("Hoe werkt een vaccin?", "How does a vaccine work?"),
    ("Water en de stad", "Water and the city"),
    ("Kunstmatige intelligentie voor iedereen", "Artificial intelligence for everyone"),
    ("Het geheim van de tulp", "The secret of the tulip"),
    ("Egyptische mummies onderzocht", "Egyptian mummies investigated"),
    ("Japan en Leiden: Siebold", "Japan and Leiden: Siebold"),
    ("Leven in de Leidse grachten", "Life in Leiden's canals"),
    ("Het brein van een tiener", "The teenage brain"),
    ("Klimaat in de klas", "Climate in the classroom"),
    ("Quantum voor beginners", "Quantum for beginners"),
    ("Rembrandt en de wetenschap", "Rembrandt and science"),
    ("Microscopen van Van Leeuwenhoek", "Van Leeuwenhoek's microscopes"),
    ("De Leidse fles", "The Leyden jar"),
    ("Bijen in de stad", "Bees in the city"),
    ("Ruimtevaart dichtbij", "Space travel up close"),
    ("Data in je dagelijks leven", "Data in your daily life"),
    ("Oude kaarten, nieuwe verhalen", "Old maps, new stories"),
    ("De taal van planten", "The language of plants"),
    ("Gezond oud worden", "Growing old healthily"),
    ("Kinderuniversiteit: waarom is de lucht blauw?", "Children's university: why is the sky blue?"),
    ("Wetenschapscafé", "Science café"),
    ("Proefjes voor het hele gezin", "Experiments for the whole family"),
    ("Migratie door de eeuwen heen", "Migration through the centuries"),
    ("Vrijheid van wetenschap", "Freedom of science"),
    ("Stadswandeling: Leidse ontdekkingen", "City walk: Leiden discoveries"),
    ("Koud, kouder, koudst: Kamerlingh Onnes", "Cold, colder, coldest: Kamerlingh Onnes"),
    ("Het DNA van de Leidenaar", "The DNA of Leiden"),
    ("Plastic in de rivier", "Plastic in the river"),
    ("Robots bouwen", "Building robots"),
    ("Poëzie en natuurkunde", "Poetry and physics"),
    ("Pandemieën in de geschiedenis", "Pandemics in history"),
    ("Meten is weten", "To measure is to know"),
    ("Nachtvlinders tellen", "Counting moths"),
    ("Filmavond: wetenschap op het witte doek", "Film night: science on screen"),
    ("Debat: wie is de baas over je data?", "Debate: who owns your data?"),
    ("Hackathon: slimme stad", "Hackathon: smart city"),
)

SIDE_EVENT_FORMATS: dict[str, tuple[str, str]] = {
    "lecture": ("Lezing: {nl}", "Lecture: {en}"),
    "exhibition": ("Tentoonstelling: {nl}", "Exhibition: {en}"),
    "workshop": ("Workshop: {nl}", "Workshop: {en}"),
    "family": ("Familiedag: {nl}", "Family day: {en}"),
    "tour": ("Rondleiding: {nl}", "Guided tour: {en}"),
    "festival": ("Festival: {nl}", "Festival: {en}"),
    "debate": ("Debat: {nl}", "Debate: {en}"),
    "performance": ("Voorstelling: {nl}", "Performance: {en}"),
    "other": ("{nl}", "{en}"),
}

SIDE_EVENT_DESCRIPTIONS = (
    ("<p>Ontdek met onderzoekers uit Leiden hoe het zit met <strong>{nl}</strong>.</p>",
     "<p>Discover with researchers from Leiden what there is to know about <strong>{en}</strong>.</p>"),
    ("<p>Een programma voor jong en oud, onderdeel van Leiden European City of Science 2022.</p>",
     "<p>A programme for young and old, part of Leiden European City of Science 2022.</p>"),
    ("<p>Vol = vol: kom op tijd. Toegankelijk voor rolstoelgebruikers.</p>",
     "<p>Seats are limited: come early. Wheelchair accessible.</p>"),
)

REJECTION_REASONS = (
    "This is a commercial product presentation, not a public science event.",
    "Please add a date and a place; the description is still a placeholder.",
)
EDIT_REJECTION_REASON = "Please keep the title factual: the price (free or not) has its own field."

# --- call for sessions -------------------------------------------------------------------

# Titles the call received beside the programme's own patterns (SESSION_PATTERNS).
PROPOSAL_PATTERNS = (
    "Rethinking {topic}", "{Topic}: lessons from ten years of research", "Citizen science and {topic}",
    "{Topic}: what the evidence says", "Open data for {topic}", "{Topic} and early-career researchers",
    "Communicating uncertainty: {topic}", "{Topic} in the Global South", "A European roadmap for {topic}",
    "{Topic}: from lab to policy",
)
CALL_GUIDANCE_EN = (
    "ESOF 2022 invites proposals for panels, debates, workshops, seminars, posters and open-podium "
    "talks on the theme *Crossing Borders — Engaged Science, Resilient Societies*.\n\n"
    "- Give the session a clear question and speakers from more than one country and discipline.\n"
    "- Sessions last 90 minutes (posters: the lunch break).\n"
    "- The programme committee scores every proposal on the criteria below."
)
CALL_GUIDANCE_NL = (
    "ESOF 2022 nodigt voorstellen uit voor panels, debatten, workshops, seminars, posters en het open "
    "podium rond het thema *Grenzen over — betrokken wetenschap, veerkrachtige samenlevingen*.\n\n"
    "- Geef de sessie een heldere vraag en sprekers uit meer dan één land en vakgebied.\n"
    "- Sessies duren 90 minuten (posters: de lunchpauze).\n"
    "- De programmacommissie beoordeelt elk voorstel op de criteria hieronder."
)
REVIEW_CRITERIA = (("Relevance to the theme", "Relevantie voor het thema"),
                   ("Originality", "Originaliteit"),
                   ("Diversity of speakers", "Diversiteit van de sprekers"))
# Comments for the committee, by the overall score they go with (low 1–2, middle 3, high 4–5).
REVIEW_COMMENTS = {
    "low": ("The question is too broad for 90 minutes.", "All speakers come from one institute.",
            "Reads like a project report rather than a session.", "Little room for the audience.",
            "The abstract does not say what the audience will take home."),
    "middle": ("Solid, but similar to two other proposals in this track.", "Good topic; the format could be livelier.",
               "Would work better as a seminar than as a panel.", "Please check the gender balance of the panel.",
               "Interesting, if the speakers can keep it accessible."),
    "high": ("Timely and well argued.", "Excellent mix of disciplines and countries.",
             "A clear question and a format that fits it.", "Strong early-career presence, very welcome.",
             "One of the best in this track."),
}
INVITEE_DOMAINS = ("research.example.net", "institute.example.com", "university.example.org", "lab.example")

# Why partners cancelled a side event (or one date of a series).
SIDE_EVENT_CANCELLATIONS = (
    "The speaker is ill; we hope to find a new date in the autumn.",
    "The building is closed for urgent repairs on this day.",
    "Too few registrations; we will repeat the event next spring.",
)
