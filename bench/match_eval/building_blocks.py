"""Hand-written building blocks of the evaluation pool: places, names, role archetypes and how people write skills.

Everything the generator draws from is here, in plain lists, so a reviewer can audit what the pool can contain.
Skills are canonical names from the shipped vocabulary unless marked as free text (`FREE_TEXT`); how a person
writes each one (abbreviation, Dutch or German form, a rare misspelling) comes from `WRITTEN_FORMS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# city -> (country, timezone). Neighbouring cities are listed together so the labelling notes can speak of regions.
CITIES: dict[str, tuple[str, str]] = {
    # The Randstad
    "Amsterdam": ("NL", "Europe/Amsterdam"),
    "Haarlem": ("NL", "Europe/Amsterdam"),
    "Hoofddorp": ("NL", "Europe/Amsterdam"),
    "Zaandam": ("NL", "Europe/Amsterdam"),
    "Almere": ("NL", "Europe/Amsterdam"),
    "Leiden": ("NL", "Europe/Amsterdam"),
    "Den Haag": ("NL", "Europe/Amsterdam"),
    "Delft": ("NL", "Europe/Amsterdam"),
    "Rotterdam": ("NL", "Europe/Amsterdam"),
    "Dordrecht": ("NL", "Europe/Amsterdam"),
    "Utrecht": ("NL", "Europe/Amsterdam"),
    "Nieuwegein": ("NL", "Europe/Amsterdam"),
    "Amersfoort": ("NL", "Europe/Amsterdam"),
    # Brabant and the south
    "Eindhoven": ("NL", "Europe/Amsterdam"),
    "Tilburg": ("NL", "Europe/Amsterdam"),
    "Breda": ("NL", "Europe/Amsterdam"),
    "'s-Hertogenbosch": ("NL", "Europe/Amsterdam"),
    "Waalwijk": ("NL", "Europe/Amsterdam"),
    "Venlo": ("NL", "Europe/Amsterdam"),
    "Maastricht": ("NL", "Europe/Amsterdam"),
    # The east and the north
    "Nijmegen": ("NL", "Europe/Amsterdam"),
    "Arnhem": ("NL", "Europe/Amsterdam"),
    "Apeldoorn": ("NL", "Europe/Amsterdam"),
    "Zwolle": ("NL", "Europe/Amsterdam"),
    "Enschede": ("NL", "Europe/Amsterdam"),
    "Groningen": ("NL", "Europe/Amsterdam"),
    # Belgium
    "Antwerpen": ("BE", "Europe/Brussels"),
    "Gent": ("BE", "Europe/Brussels"),
    "Brussel": ("BE", "Europe/Brussels"),
    "Leuven": ("BE", "Europe/Brussels"),
    "Mechelen": ("BE", "Europe/Brussels"),
    "Hasselt": ("BE", "Europe/Brussels"),
    "Liège": ("BE", "Europe/Brussels"),
    # Germany
    "Berlin": ("DE", "Europe/Berlin"),
    "Hamburg": ("DE", "Europe/Berlin"),
    "München": ("DE", "Europe/Berlin"),
    "Frankfurt am Main": ("DE", "Europe/Berlin"),
    "Düsseldorf": ("DE", "Europe/Berlin"),
    "Köln": ("DE", "Europe/Berlin"),
    "Duisburg": ("DE", "Europe/Berlin"),
    "Aachen": ("DE", "Europe/Berlin"),
    "Kleve": ("DE", "Europe/Berlin"),
    # Great Britain
    "London": ("GB", "Europe/London"),
    "Manchester": ("GB", "Europe/London"),
    "Birmingham": ("GB", "Europe/London"),
    "Leeds": ("GB", "Europe/London"),
    "Bristol": ("GB", "Europe/London"),
    "Coventry": ("GB", "Europe/London"),
    "Edinburgh": ("GB", "Europe/London"),
    # Elsewhere: remote seekers and people who would move
    "Lisbon": ("PT", "Europe/Lisbon"),
    "Porto": ("PT", "Europe/Lisbon"),
    "Barcelona": ("ES", "Europe/Madrid"),
    "Madrid": ("ES", "Europe/Madrid"),
    "Paris": ("FR", "Europe/Paris"),
    "Lyon": ("FR", "Europe/Paris"),
    "Kraków": ("PL", "Europe/Warsaw"),
    "Wrocław": ("PL", "Europe/Warsaw"),
    "Bucharest": ("RO", "Europe/Bucharest"),
    "Cluj-Napoca": ("RO", "Europe/Bucharest"),
    "Milan": ("IT", "Europe/Rome"),
    "Dublin": ("IE", "Europe/Dublin"),
    "Vienna": ("AT", "Europe/Vienna"),
    "Stockholm": ("SE", "Europe/Stockholm"),
    "Bengaluru": ("IN", "Asia/Kolkata"),
    "Istanbul": ("TR", "Europe/Istanbul"),
}

# Where people of each home region live, weighted. "nl_worker" is someone from elsewhere in the EU living in NL.
HOME_CITIES: dict[str, list[tuple[str, int]]] = {
    "randstad": [
        ("Amsterdam", 9),
        ("Rotterdam", 7),
        ("Utrecht", 6),
        ("Den Haag", 5),
        ("Haarlem", 2),
        ("Leiden", 2),
        ("Delft", 2),
        ("Almere", 2),
        ("Amersfoort", 2),
        ("Zaandam", 1),
        ("Hoofddorp", 1),
        ("Dordrecht", 1),
        ("Nieuwegein", 1),
    ],
    "south": [
        ("Eindhoven", 5),
        ("Tilburg", 4),
        ("Breda", 3),
        ("'s-Hertogenbosch", 3),
        ("Waalwijk", 1),
        ("Venlo", 2),
        ("Maastricht", 2),
    ],
    "east_north": [("Nijmegen", 3), ("Arnhem", 3), ("Apeldoorn", 2), ("Zwolle", 2), ("Enschede", 2), ("Groningen", 3)],
    "flanders": [("Antwerpen", 5), ("Gent", 3), ("Leuven", 2), ("Mechelen", 1), ("Hasselt", 1), ("Brussel", 2)],
    "wallonia": [("Liège", 1), ("Brussel", 1)],
    "germany": [
        ("Berlin", 4),
        ("Hamburg", 2),
        ("München", 2),
        ("Frankfurt am Main", 1),
        ("Düsseldorf", 4),
        ("Köln", 4),
        ("Duisburg", 2),
        ("Aachen", 1),
        ("Kleve", 1),
    ],
    "britain": [
        ("London", 5),
        ("Manchester", 4),
        ("Birmingham", 3),
        ("Leeds", 2),
        ("Bristol", 1),
        ("Coventry", 2),
        ("Edinburgh", 1),
    ],
    "abroad": [
        ("Lisbon", 3),
        ("Porto", 1),
        ("Barcelona", 2),
        ("Madrid", 1),
        ("Paris", 1),
        ("Lyon", 1),
        ("Kraków", 2),
        ("Wrocław", 1),
        ("Bucharest", 1),
        ("Cluj-Napoca", 1),
        ("Milan", 1),
        ("Dublin", 1),
        ("Vienna", 1),
        ("Stockholm", 1),
        ("Bengaluru", 2),
        ("Istanbul", 1),
    ],
}

# Names by origin: names never enter a match (issue 12: fair by construction), they only make the pool look real.
FIRST_NAMES: dict[str, list[str]] = {
    "nl": "Daan Sem Lucas Milan Levi Bram Jesse Thijs Ruben Stijn Emma Julia Sanne Lotte Fleur Anouk Eva Iris Noor "
    "Femke Sophie Lieke Maud Tess Jeroen Marieke Wouter Annelies Koen Esther Mohamed Fatima Yusuf Ayşe".split(),
    "be": "Arne Wout Jonas Pieter Lies Elke Hanne Nele Lore Kobe Senne Ine Griet Bart Jana Manon Thomas Lucie".split(),
    "de": "Lukas Jonas Leon Felix Paul Maximilian Anna Lena Laura Sarah Katharina Julia Tobias Jan Miriam Svenja".split(),
    "gb": "Oliver Harry Jack George Charlie Amelia Olivia Isla Emily Sophie Priya Aisha James Hannah Rhys Megan".split(),
    "pl": "Piotr Tomasz Krzysztof Agnieszka Katarzyna Marta Paweł Michał Joanna Magdalena".split(),
    "ro": "Andrei Mihai Ioana Elena Alexandru Cristina Bogdan Roxana".split(),
    "south": "João Inês Miguel Beatriz Pablo Lucía Javier Carmen Giulia Marco Camille Julien Chloé".split(),
    "in": "Arjun Priya Rahul Ananya Vikram Sneha Karthik Divya".split(),
}
LAST_NAMES: dict[str, list[str]] = {
    "nl": [],  # below: surnames with particles do not split on spaces
    "be": "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters De Smet Dubois Lambert".split(),
    "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter".split(),
    "gb": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Khan Evans Thomas Roberts Walker".split(),
    "pl": "Nowak Kowalski Wiśniewski Wójcik Kamiński Lewandowski Zieliński Szymański".split(),
    "ro": "Popescu Ionescu Popa Stan Dumitru Constantin".split(),
    "south": "Silva Santos Ferreira García Martínez López Rossi Russo Bernard Dubois".split(),
    "in": "Sharma Iyer Reddy Nair Gupta Rao".split(),
}
LAST_NAMES["nl"] = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "de Graaf",
    "van der Meer",
    "Kaya",
    "El Amrani",
    "Yılmaz",
    "Bouzid",
    "Sedney",
]

# Origins: the names, the home region, the languages a person of that origin lists, and the language they write in.
# Weighted per sector below, so logistics has the EU workers and tech the remote seekers.
@dataclass(frozen=True)
class Origin:
    names: str
    region: str
    languages: tuple[str, ...]
    writes: str  # "en", "nl" or "de": the language of the profile's roles and skills


ORIGINS: dict[str, Origin] = {
    "randstad": Origin("nl", "randstad", ("dutch", "english"), "nl"),
    "south": Origin("nl", "south", ("dutch", "english"), "nl"),
    "east_north": Origin("nl", "east_north", ("dutch", "english", "german"), "nl"),
    "flanders": Origin("be", "flanders", ("dutch", "english", "french"), "nl"),
    "wallonia": Origin("be", "wallonia", ("french", "english", "dutch"), "en"),
    "germany": Origin("de", "germany", ("german", "english"), "de"),
    "britain": Origin("gb", "britain", ("english",), "en"),
    "expat_nl": Origin("in", "randstad", ("english", "hindi"), "en"),
    "pl_in_nl": Origin("pl", "south", ("polish", "english"), "en"),
    "ro_in_nl": Origin("ro", "south", ("romanian", "english"), "en"),
    "pl_home": Origin("pl", "abroad", ("polish", "english"), "en"),
    "south_abroad": Origin("south", "abroad", ("english", "spanish", "portuguese"), "en"),
    "in_abroad": Origin("in", "abroad", ("english", "hindi"), "en"),
}


@dataclass(frozen=True)
class Archetype:
    """A kind of person in the pool: what they call the roles they want, and the skills such people list."""

    sector: str
    roles_en: tuple[str, ...]
    roles_nl: tuple[str, ...]
    core: tuple[str, ...]  # most people of the archetype list most of these
    extra: tuple[str, ...]  # some list some of these
    soft: tuple[str, ...] = ("communication", "teamwork", "problem solving", "independent working")
    roles_de: tuple[str, ...] = ()
    origins: tuple[tuple[str, int], ...] = field(default=())
    years: tuple[int, int] = (0, 25)


TECH_ORIGINS = (
    ("randstad", 30),
    ("south", 8),
    ("east_north", 5),
    ("flanders", 7),
    ("germany", 10),
    ("britain", 12),
    ("expat_nl", 8),
    ("south_abroad", 8),
    ("pl_home", 5),
    ("in_abroad", 4),
)
CARE_ORIGINS = (
    ("randstad", 28),
    ("south", 14),
    ("east_north", 14),
    ("flanders", 10),
    ("germany", 15),
    ("britain", 20),
    ("south_abroad", 3),
)
LOGISTICS_ORIGINS = (
    ("randstad", 20),
    ("south", 20),
    ("east_north", 8),
    ("flanders", 9),
    ("germany", 6),
    ("britain", 16),
    ("pl_in_nl", 12),
    ("ro_in_nl", 6),
    ("pl_home", 3),
)
OTHER_ORIGINS = (
    ("randstad", 30),
    ("south", 12),
    ("east_north", 10),
    ("flanders", 10),
    ("wallonia", 2),
    ("germany", 6),
    ("britain", 14),
    ("south_abroad", 4),
)

ARCHETYPES: dict[str, Archetype] = {
    "python_backend": Archetype(
        "tech",
        ("backend developer", "python developer", "software engineer", "backend engineer"),
        ("backend ontwikkelaar", "python ontwikkelaar", "software ontwikkelaar"),
        ("python", "django", "postgresql", "rest apis", "docker", "git"),
        ("fastapi", "flask", "aws", "kubernetes", "redis", "celery", "pytest", "ci/cd", "linux", "sql", "kafka"),
        origins=TECH_ORIGINS,
    ),
    "java_backend": Archetype(
        "tech",
        ("java developer", "backend developer", "software engineer"),
        ("java ontwikkelaar", "backend ontwikkelaar"),
        ("java", "spring boot", "sql", "microservices", "hibernate", "git"),
        ("kafka", "kubernetes", "docker", "oracle database", "postgresql", "junit", "maven", "aws", "rest apis"),
        origins=TECH_ORIGINS,
    ),
    "dotnet": Archetype(
        "tech",
        (".net developer", "c# developer", "software engineer"),
        (".net ontwikkelaar", "c# ontwikkelaar", "software ontwikkelaar"),
        ("c#", ".net", "sql server", "asp.net", "azure", "git"),
        ("entity framework", "angular", "rest apis", "microservices", "docker", "azure devops", "unit testing"),
        origins=TECH_ORIGINS,
    ),
    "frontend": Archetype(
        "tech",
        ("frontend developer", "front-end developer", "react developer", "web developer"),
        ("frontend ontwikkelaar", "front-end developer", "webdeveloper"),
        ("javascript", "typescript", "react", "html", "css"),
        ("next.js", "vue", "angular", "sass", "tailwind css", "figma", "cypress", "jest", "redux", "graphql"),
        origins=TECH_ORIGINS,
    ),
    "fullstack_js": Archetype(
        "tech",
        ("full stack developer", "fullstack developer", "node.js developer", "software engineer"),
        ("full stack ontwikkelaar", "fullstack developer"),
        ("node.js", "typescript", "react", "javascript", "postgresql", "rest apis"),
        ("mongodb", "graphql", "docker", "aws", "next.js", "express", "redis", "jest"),
        origins=TECH_ORIGINS,
    ),
    "devops": Archetype(
        "tech",
        ("devops engineer", "cloud engineer", "platform engineer", "site reliability engineer"),
        ("devops engineer", "cloud engineer", "systeembeheerder linux"),
        ("aws", "terraform", "kubernetes", "docker", "ci/cd", "linux"),
        ("azure", "google cloud", "helm", "prometheus", "grafana", "ansible", "python", "bash", "go", "argocd"),
        origins=TECH_ORIGINS,
    ),
    "sre_go": Archetype(
        "tech",
        ("site reliability engineer", "platform engineer", "go developer", "backend engineer"),
        ("platform engineer",),
        ("go", "kubernetes", "linux", "prometheus", "site reliability engineering"),
        ("terraform", "google cloud", "kafka", "grafana", "grpc", "aws", "postgresql", "rust"),
        origins=(("germany", 30), ("randstad", 20), ("britain", 8), ("expat_nl", 8), ("south_abroad", 10), ("pl_home", 8)),
    ),
    "data_engineer": Archetype(
        "tech",
        ("data engineer", "analytics engineer", "big data engineer"),
        ("data engineer",),
        ("python", "sql", "spark", "airflow", "etl", "data warehousing"),
        ("dbt", "snowflake", "bigquery", "databricks", "kafka", "aws", "azure", "scala", "data modelling"),
        origins=TECH_ORIGINS,
    ),
    "ml_engineer": Archetype(
        "tech",
        ("machine learning engineer", "data scientist", "ml engineer", "ai engineer"),
        ("data scientist",),
        ("python", "machine learning", "pandas", "scikit-learn", "pytorch", "statistics"),
        ("tensorflow", "natural language processing", "large language models", "mlops", "sql", "docker", "aws", "spark"),
        origins=TECH_ORIGINS,
    ),
    "data_analyst": Archetype(
        "tech",
        ("data analyst", "bi analyst", "business intelligence analyst", "reporting analyst"),
        ("data analist", "bi specialist", "business analist"),
        ("sql", "power bi", "excel", "data analysis", "data visualisation"),
        ("tableau", "python", "dbt", "statistics", "looker", "stakeholder management", "sap"),
        origins=TECH_ORIGINS,
    ),
    "qa": Archetype(
        "tech",
        ("test automation engineer", "qa engineer", "software tester", "test engineer"),
        ("testautomatiseerder", "software tester", "test engineer"),
        ("test automation", "software testing", "selenium", "ci/cd", "agile"),
        ("cypress", "playwright", "java", "python", "jira", "postman", "unit testing", "cucumber", "scrum"),
        origins=TECH_ORIGINS,
    ),
    "it_support": Archetype(
        "tech",
        ("it support engineer", "service desk analyst", "system administrator", "it specialist"),
        ("servicedesk medewerker", "systeembeheerder", "ict medewerker", "werkplekbeheerder"),
        ("it support", "microsoft 365", "active directory", "windows server", "networking"),
        ("itil", "powershell", "vmware", "intune", "linux", "cisco", "azure", "customer service"),
        origins=TECH_ORIGINS,
        years=(0, 20),
    ),
    "security": Archetype(
        "tech",
        ("security engineer", "cyber security specialist", "penetration tester", "soc analyst"),
        ("security specialist", "security engineer"),
        ("cybersecurity", "penetration testing", "networking", "linux", "iso 27001"),
        ("identity and access management", "python", "siem", "azure", "aws", "splunk", "bash"),
        origins=(("flanders", 22), ("wallonia", 10), ("randstad", 20), ("germany", 8), ("britain", 10), ("expat_nl", 6)),
    ),
    "mobile": Archetype(
        "tech",
        ("mobile developer", "android developer", "ios developer", "app developer"),
        ("app ontwikkelaar", "mobile developer"),
        ("kotlin", "android", "swift", "ios", "git"),
        ("flutter", "react native", "firebase", "rest apis", "figma"),
        origins=TECH_ORIGINS,
    ),
    "hospital_nurse": Archetype(
        "healthcare",
        ("registered nurse", "staff nurse", "nurse", "ward nurse"),
        ("verpleegkundige", "verpleegkundige interne geneeskunde", "verpleegkundige chirurgie", "hbo-verpleegkundige"),
        ("nursing", "patient care", "medication administration", "vital signs", "wound care"),
        (
            "electronic health records",
            "hix",
            "epic",
            "infection prevention",
            "cpr",
            "catheterisation",
            "diabetes care",
            "triage",
            "palliative care",
        ),
        soft=("empathy", "communication", "teamwork", "stress resistance", "shift work"),
        roles_de=("pflegefachkraft", "gesundheits- und krankenpfleger", "krankenschwester"),
        origins=CARE_ORIGINS,
        years=(0, 30),
    ),
    "icu_nurse": Archetype(
        "healthcare",
        ("icu nurse", "critical care nurse", "intensive care nurse"),
        ("ic-verpleegkundige", "intensive care verpleegkundige"),
        ("nursing", "intensive care", "vital signs", "medication administration", "cpr"),
        ("anaesthesia", "emergency care", "electronic health records", "hix", "patient care"),
        soft=("stress resistance", "teamwork", "attention to detail", "shift work"),
        roles_de=("intensivpflegekraft", "fachkrankenpfleger intensivpflege"),
        origins=CARE_ORIGINS,
        years=(1, 30),
    ),
    "emergency_or_nurse": Archetype(
        "healthcare",
        ("emergency nurse", "theatre nurse", "scrub nurse", "a&e nurse"),
        ("seh-verpleegkundige", "operatieassistent", "anesthesiemedewerker"),
        ("nursing", "emergency care", "operating room", "infection prevention", "triage"),
        ("anaesthesia", "cpr", "vital signs", "patient care", "sterilisation"),
        soft=("stress resistance", "teamwork", "shift work"),
        origins=CARE_ORIGINS,
        years=(1, 30),
    ),
    "district_nurse": Archetype(
        "healthcare",
        ("district nurse", "community nurse", "home care nurse"),
        ("wijkverpleegkundige", "verpleegkundige thuiszorg", "wijkverpleegkundige niveau 5"),
        ("district nursing", "home care", "wound care", "care planning", "nursing"),
        ("diabetes care", "palliative care", "medication administration", "driving licence b", "stoma care", "ecd"),
        soft=("independent working", "empathy", "communication", "planning and organising"),
        origins=CARE_ORIGINS,
        years=(1, 30),
    ),
    "care_assistant": Archetype(
        "healthcare",
        ("care assistant", "healthcare assistant", "carer", "support worker"),
        ("verzorgende ig", "verzorgende", "helpende zorg", "zorgmedewerker ouderenzorg"),
        ("elderly care", "personal care", "dementia care", "medication administration"),
        ("wound care", "care planning", "palliative care", "home care", "first aid", "cleaning", "cooking"),
        soft=("empathy", "teamwork", "flexibility", "shift work"),
        roles_de=("altenpfleger", "pflegehelfer", "pflegeassistent"),
        origins=CARE_ORIGINS,
        years=(0, 30),
    ),
    "mental_health": Archetype(
        "healthcare",
        ("mental health support worker", "mental health nurse", "psychiatric nurse"),
        ("begeleider ggz", "sociaal psychiatrisch verpleegkundige", "ggz-agoog", "woonbegeleider"),
        ("mental health care", "de-escalation", "care planning", "coaching"),
        ("nursing", "disability care", "medication administration", "big registration", "motivational interviewing"),
        soft=("empathy", "communication", "stress resistance"),
        origins=CARE_ORIGINS,
        years=(0, 25),
    ),
    "disability_care": Archetype(
        "healthcare",
        ("support worker learning disabilities", "disability support worker"),
        ("begeleider gehandicaptenzorg", "persoonlijk begeleider", "woonbegeleider"),
        ("disability care", "personal care", "coaching", "de-escalation"),
        ("mental health care", "care planning", "medication administration", "sign language", "cooking"),
        soft=("empathy", "patience", "flexibility", "shift work"),
        origins=CARE_ORIGINS,
        years=(0, 25),
    ),
    "gp_assistant": Archetype(
        "healthcare",
        ("gp receptionist", "medical assistant", "healthcare assistant"),
        ("doktersassistent", "doktersassistente", "praktijkassistent", "apothekersassistent"),
        ("triage", "general practice", "medical terminology", "phlebotomy"),
        ("electronic health records", "reception", "pharmacy", "administration", "customer service", "wound care"),
        soft=("communication", "empathy", "planning and organising", "attention to detail"),
        origins=CARE_ORIGINS,
        years=(0, 25),
    ),
    "allied_health": Archetype(
        "healthcare",
        ("physiotherapist", "occupational therapist", "dietitian"),
        ("fysiotherapeut", "ergotherapeut", "diëtist"),
        ("physiotherapy", "rehabilitation", "patient care"),
        ("occupational therapy", "dietetics", "elderly care", "coaching", "electronic health records"),
        soft=("empathy", "communication", "coaching"),
        origins=CARE_ORIGINS,
        years=(0, 30),
    ),
    "warehouse_operative": Archetype(
        "logistics",
        ("warehouse operative", "order picker", "warehouse worker", "picker packer"),
        ("magazijnmedewerker", "orderpicker", "logistiek medewerker", "productiemedewerker"),
        ("order picking", "scanning", "packing", "electric pallet truck", "loading and unloading"),
        ("forklift", "reach truck", "shipping", "goods receipt", "inventory management", "vca", "sap ewm"),
        soft=("shift work", "physical work", "teamwork", "flexibility", "attention to detail"),
        roles_de=("lagerarbeiter", "kommissionierer", "lagerhelfer"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 25),
    ),
    "forklift_driver": Archetype(
        "logistics",
        ("forklift driver", "reach truck driver", "forklift operator"),
        ("heftruckchauffeur", "reachtruckchauffeur", "heftruckchauffeur / reachtruckchauffeur"),
        ("forklift", "reach truck", "loading and unloading", "stacking and storing", "vca"),
        ("order picking", "scanning", "goods receipt", "shipping", "electric pallet truck", "inventory management"),
        soft=("shift work", "attention to detail", "health and safety", "physical work"),
        roles_de=("staplerfahrer", "gabelstaplerfahrer"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 30),
    ),
    "truck_driver": Archetype(
        "logistics",
        ("truck driver", "hgv driver", "lorry driver", "international truck driver"),
        ("vrachtwagenchauffeur", "chauffeur ce", "internationaal chauffeur", "chauffeur c"),
        ("driving licence ce", "code 95", "tachograph", "loading and unloading"),
        ("adr", "cold chain", "driving licence c", "route planning", "forklift", "german", "english"),
        soft=("independent working", "flexibility", "stress resistance"),
        roles_de=("berufskraftfahrer", "lkw-fahrer"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 35),
    ),
    "delivery_driver": Archetype(
        "logistics",
        ("delivery driver", "van driver", "courier"),
        ("pakketbezorger", "bezorger", "koerier", "chauffeur bestelbus"),
        ("driving licence b", "last-mile delivery", "route planning"),
        ("customer service", "loading and unloading", "scanning", "physical work"),
        soft=("independent working", "customer focus", "flexibility"),
        origins=(("flanders", 30), ("randstad", 18), ("south", 18), ("pl_in_nl", 14), ("britain", 10)),
        years=(0, 20),
    ),
    "transport_planner": Archetype(
        "logistics",
        ("transport planner", "logistics planner", "dispatcher", "logistics coordinator"),
        ("transportplanner", "planner logistiek", "logistiek planner", "disponent"),
        ("transport planning", "route planning", "excel", "communication"),
        ("tms", "sap", "customer service", "freight forwarding", "supply chain management", "german", "incoterms"),
        soft=("stress resistance", "planning and organising", "problem solving"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 25),
    ),
    "warehouse_lead": Archetype(
        "logistics",
        ("warehouse supervisor", "warehouse team leader", "shift manager warehouse", "warehouse manager"),
        ("teamleider magazijn", "ploegleider logistiek", "shiftleader warehouse", "operationeel manager logistiek"),
        ("warehouse management", "people management", "warehouse management system", "inventory management"),
        ("lean", "health and safety", "forklift", "sap ewm", "excel", "planning and organising", "kpi reporting"),
        soft=("leadership", "communication", "problem solving"),
        origins=LOGISTICS_ORIGINS,
        years=(2, 30),
    ),
    "supply_chain": Archetype(
        "logistics",
        ("supply chain planner", "demand planner", "supply chain analyst", "buyer"),
        ("supply chain planner", "inkoper", "demand planner", "supply chain analist"),
        ("supply chain management", "demand planning", "sap", "excel"),
        ("s&op", "procurement", "power bi", "inventory management", "negotiation", "data analysis", "lean"),
        soft=("analytical skills", "stakeholder management", "communication"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 25),
    ),
    "customs": Archetype(
        "logistics",
        ("customs broker", "customs specialist", "import export coordinator"),
        ("douanedeclarant", "douanespecialist", "medewerker import/export"),
        ("customs", "incoterms", "freight forwarding"),
        ("sap", "english", "german", "administration", "excel", "shipping"),
        soft=("attention to detail", "stress resistance"),
        origins=LOGISTICS_ORIGINS,
        years=(0, 25),
    ),
    "maintenance_tech": Archetype(
        "other",
        ("maintenance technician", "maintenance engineer", "service engineer"),
        ("monteur", "onderhoudsmonteur", "servicemonteur", "technicus"),
        ("maintenance", "electrical installation", "plc programming", "mechanical engineering"),
        ("vca", "nen 3140", "welding", "hvac", "scada", "forklift", "driving licence b"),
        soft=("problem solving", "independent working", "shift work"),
        origins=OTHER_ORIGINS,
    ),
    "hospitality": Archetype(
        "other",
        ("chef", "cook", "waiter", "barista", "hotel receptionist"),
        ("kok", "zelfstandig werkend kok", "bediening", "barista", "receptionist hotel"),
        ("hospitality", "cooking", "food safety", "customer service"),
        ("barista", "reception", "cash handling", "cleaning", "event management"),
        soft=("teamwork", "stress resistance", "flexibility"),
        origins=OTHER_ORIGINS,
        years=(0, 20),
    ),
    "retail": Archetype(
        "other",
        ("sales assistant", "store manager", "shop assistant", "cashier"),
        ("verkoopmedewerker", "winkelmedewerker", "filiaalmanager", "kassamedewerker"),
        ("retail sales", "customer service", "cash handling"),
        ("visual merchandising", "people management", "inventory management", "sales"),
        soft=("customer focus", "teamwork", "flexibility"),
        origins=OTHER_ORIGINS,
        years=(0, 20),
    ),
    "finance": Archetype(
        "other",
        ("accountant", "financial controller", "bookkeeper", "payroll administrator"),
        ("boekhouder", "financieel administratief medewerker", "controller", "salarisadministrateur"),
        ("accounting", "bookkeeping", "excel", "financial reporting"),
        ("exact online", "afas", "payroll", "accounts payable", "accounts receivable", "ifrs", "tax", "sap"),
        soft=("attention to detail", "analytical skills"),
        origins=OTHER_ORIGINS,
    ),
    "marketing": Archetype(
        "other",
        ("marketing manager", "online marketeer", "content marketer", "seo specialist"),
        ("online marketeer", "marketing medewerker", "contentmarketeer"),
        ("marketing", "seo", "content marketing", "social media marketing"),
        ("google ads", "google analytics", "copywriting", "hubspot", "email marketing", "brand management"),
        soft=("creativity", "communication"),
        origins=OTHER_ORIGINS,
        years=(0, 20),
    ),
    "sales": Archetype(
        "other",
        ("account manager", "sales representative", "business developer", "inside sales"),
        ("accountmanager", "commercieel medewerker binnendienst", "verkoper buitendienst"),
        ("sales", "account management", "b2b sales", "crm"),
        ("salesforce", "hubspot", "lead generation", "negotiation", "driving licence b"),
        soft=("negotiation", "communication", "customer focus"),
        origins=OTHER_ORIGINS,
    ),
    "teacher": Archetype(
        "other",
        ("teacher", "primary school teacher", "teaching assistant"),
        ("leerkracht basisonderwijs", "docent", "onderwijsassistent", "pedagogisch medewerker"),
        ("teaching", "classroom management", "curriculum development"),
        ("special needs education", "childcare", "tutoring", "coaching", "e-learning"),
        soft=("communication", "empathy", "creativity"),
        origins=OTHER_ORIGINS,
    ),
    "office": Archetype(
        "other",
        ("office manager", "administrative assistant", "hr advisor", "recruiter"),
        ("office manager", "administratief medewerker", "hr adviseur", "recruiter", "secretaresse"),
        ("administration", "microsoft office", "secretarial support"),
        ("human resources", "recruitment", "data entry", "rostering", "excel", "payroll", "reception"),
        soft=("planning and organising", "communication", "attention to detail"),
        origins=OTHER_ORIGINS,
    ),
}

# How many of the pool's profiles come from each archetype. Tech is the largest share, as in the customer's pool.
ARCHETYPE_WEIGHTS: dict[str, int] = {
    "python_backend": 55,
    "java_backend": 40,
    "dotnet": 35,
    "frontend": 45,
    "fullstack_js": 45,
    "devops": 50,
    "sre_go": 22,
    "data_engineer": 35,
    "ml_engineer": 30,
    "data_analyst": 40,
    "qa": 35,
    "it_support": 30,
    "security": 20,
    "mobile": 15,
    "hospital_nurse": 60,
    "icu_nurse": 26,
    "emergency_or_nurse": 20,
    "district_nurse": 30,
    "care_assistant": 45,
    "mental_health": 22,
    "disability_care": 15,
    "gp_assistant": 20,
    "allied_health": 12,
    "warehouse_operative": 62,
    "forklift_driver": 30,
    "truck_driver": 35,
    "delivery_driver": 24,
    "transport_planner": 22,
    "warehouse_lead": 18,
    "supply_chain": 28,
    "customs": 12,
    "maintenance_tech": 18,
    "hospitality": 18,
    "retail": 18,
    "finance": 18,
    "marketing": 16,
    "sales": 14,
    "teacher": 12,
    "office": 16,
}

# Career moves people actually make: someone of the first archetype who now wants a role of the second.
CAREER_MOVES: list[tuple[str, str]] = [
    ("data_analyst", "data_engineer"),
    ("python_backend", "data_engineer"),
    ("python_backend", "ml_engineer"),
    ("frontend", "fullstack_js"),
    ("java_backend", "devops"),
    ("it_support", "devops"),
    ("it_support", "security"),
    ("qa", "python_backend"),
    ("care_assistant", "hospital_nurse"),
    ("hospital_nurse", "district_nurse"),
    ("hospital_nurse", "icu_nurse"),
    ("warehouse_operative", "forklift_driver"),
    ("forklift_driver", "warehouse_lead"),
    ("delivery_driver", "truck_driver"),
    ("warehouse_operative", "warehouse_lead"),
    ("customs", "transport_planner"),
    ("retail", "warehouse_operative"),
    ("hospitality", "care_assistant"),
    ("office", "transport_planner"),
    ("finance", "data_analyst"),
    ("teacher", "care_assistant"),
    ("maintenance_tech", "warehouse_lead"),
]

# Skills people list that the vocabulary does not know (yet): they stay as written.
FREE_TEXT = frozenset(
    {
        "celery",
        "maven",
        "entity framework",
        "azure devops",
        "jest",
        "redux",
        "express",
        "argocd",
        "postman",
        "cucumber",
        "intune",
        "siem",
        "splunk",
        "firebase",
        "sterilisation",
        "ecd",
        "motivational interviewing",
        "patience",
        "tms",
        "kpi reporting",
    }
)

# How people write a canonical skill, per writing language. A skill missing here is written as its display form
# (or the vocabulary's Dutch display for a Dutch writer). The first form is the most common.
WRITTEN_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "javascript": {"en": ("JavaScript", "JS", "Javascript", "ES6")},
    "typescript": {"en": ("TypeScript", "TS")},
    "react": {"en": ("React", "React.js", "ReactJS")},
    "vue": {"en": ("Vue.js", "Vue", "VueJS")},
    "node.js": {"en": ("Node.js", "NodeJS", "Node")},
    "kubernetes": {"en": ("Kubernetes", "K8s", "k8s", "EKS")},
    "postgresql": {"en": ("PostgreSQL", "Postgres", "postgres")},
    "python": {"en": ("Python", "Python 3", "python3")},
    "go": {"en": ("Go", "Golang")},
    "c#": {"en": ("C#", "csharp")},
    ".net": {"en": (".NET", ".NET Core", "dotnet")},
    "spring boot": {"en": ("Spring Boot", "Spring", "springboot")},
    "ci/cd": {"en": ("CI/CD", "GitLab CI", "GitHub Actions", "Jenkins")},
    "aws": {"en": ("AWS", "Amazon Web Services")},
    "google cloud": {"en": ("GCP", "Google Cloud")},
    "machine learning": {"en": ("Machine Learning", "ML")},
    "natural language processing": {"en": ("NLP", "Natural Language Processing")},
    "large language models": {"en": ("LLMs", "GenAI", "LLM")},
    "scikit-learn": {"en": ("scikit-learn", "sklearn")},
    "power bi": {"en": ("Power BI", "PowerBI")},
    "data analysis": {"en": ("Data analysis", "Data analytics"), "nl": ("Data-analyse",)},
    "data visualisation": {"en": ("Data visualization", "Dashboarding"), "nl": ("Datavisualisatie", "Dashboards")},
    "test automation": {"en": ("Test automation",), "nl": ("Testautomatisering",)},
    "software testing": {"en": ("Software testing", "QA", "ISTQB"), "nl": ("Testen", "TMap", "ISTQB")},
    "microsoft 365": {"en": ("Microsoft 365", "Office 365", "M365")},
    "active directory": {"en": ("Active Directory", "Azure AD", "Entra ID")},
    "it support": {"en": ("IT support", "Helpdesk", "Service desk"), "nl": ("Servicedesk", "Helpdesk")},
    "cybersecurity": {"en": ("Cyber security", "Information security"), "nl": ("Informatiebeveiliging",)},
    "penetration testing": {"en": ("Pentesting", "Penetration testing", "Ethical hacking")},
    "identity and access management": {"en": ("IAM", "Identity and access management")},
    "rest apis": {"en": ("REST APIs", "REST", "RESTful APIs")},
    "etl": {"en": ("ETL", "ELT")},
    "data warehousing": {"en": ("Data warehousing", "DWH")},
    "nursing": {
        "en": ("Nursing", "Registered nursing"),
        "nl": ("Verpleegkunde", "Verpleging"),
        "de": ("Krankenpflege", "Pflege"),
    },
    "wound care": {"en": ("Wound care",), "nl": ("Wondzorg", "Wondverzorging"), "de": ("Wundversorgung",)},
    "medication administration": {
        "en": ("Medication administration", "Medication management"),
        "nl": ("Medicatie toedienen", "Medicatieverstrekking"),
        "de": ("Medikamentengabe",),
    },
    "elderly care": {"en": ("Elderly care", "Care of the elderly"), "nl": ("Ouderenzorg",), "de": ("Altenpflege",)},
    "dementia care": {"en": ("Dementia care",), "nl": ("Dementiezorg", "Psychogeriatrie"), "de": ("Demenzbetreuung",)},
    "personal care": {"en": ("Personal care",), "nl": ("Persoonlijke verzorging", "ADL"), "de": ("Grundpflege",)},
    "intensive care": {"en": ("Intensive care", "ICU", "Critical care"), "nl": ("IC-verpleegkunde", "Intensive care")},
    "emergency care": {"en": ("Emergency care", "A&E"), "nl": ("Spoedeisende hulp", "SEH")},
    "operating room": {"en": ("Theatre nursing", "Operating theatre"), "nl": ("Operatiekamer", "Operatieassistentie")},
    "district nursing": {"en": ("District nursing", "Community nursing"), "nl": ("Wijkverpleging",)},
    "home care": {"en": ("Home care", "Domiciliary care"), "nl": ("Thuiszorg",)},
    "care planning": {"en": ("Care planning", "Care plans"), "nl": ("Zorgplan opstellen", "Zorgplannen")},
    "mental health care": {"en": ("Mental health", "Psychiatry"), "nl": ("GGZ", "Psychiatrie")},
    "electronic health records": {"en": ("EHR", "Electronic health records"), "nl": ("EPD", "ECD")},
    "big registration": {"en": ("BIG registration",), "nl": ("BIG-registratie", "BIG-geregistreerd")},
    "cpr": {"en": ("BLS", "CPR", "ALS"), "nl": ("Reanimatie", "BLS")},
    "vital signs": {"en": ("Observations", "Vital signs"), "nl": ("Vitale functies",)},
    "forklift": {
        "en": ("Forklift", "Forklift licence", "Counterbalance forklift"),
        "nl": ("Heftruck", "Heftruckcertificaat"),
        "de": ("Gabelstapler", "Staplerschein"),
    },
    "reach truck": {"en": ("Reach truck",), "nl": ("Reachtruck", "Reachtruckcertificaat")},
    "electric pallet truck": {"en": ("Pallet truck", "EPT"), "nl": ("EPT", "Elektrische pallettruck", "Pallettruck")},
    "order picking": {
        "en": ("Order picking", "Picking", "Pick and pack"),
        "nl": ("Orderpicken", "Orderpicking"),
        "de": ("Kommissionierung",),
    },
    "warehouse management": {
        "en": ("Warehouse management", "Warehouse operations"),
        "nl": ("Magazijnbeheer",),
        "de": ("Lagerlogistik",),
    },
    "warehouse management system": {"en": ("WMS",), "nl": ("WMS",)},
    "inventory management": {"en": ("Stock control", "Inventory management"), "nl": ("Voorraadbeheer",)},
    "goods receipt": {"en": ("Goods in", "Inbound"), "nl": ("Goederenontvangst", "Inbound")},
    "shipping": {"en": ("Dispatch", "Outbound"), "nl": ("Expeditie",)},
    "packing": {"en": ("Packing",), "nl": ("Inpakken",)},
    "loading and unloading": {"en": ("Loading and unloading", "Loading"), "nl": ("Laden en lossen",)},
    "scanning": {"en": ("RF scanner", "Scanning"), "nl": ("Handscanner", "Scannen")},
    "stacking and storing": {"en": ("Putaway", "Storage"), "nl": ("Opslag",)},
    "driving licence b": {"en": ("Driving licence", "Full UK driving licence"), "nl": ("Rijbewijs B",)},
    "driving licence c": {"en": ("HGV Class 2", "C licence"), "nl": ("Rijbewijs C",)},
    "driving licence ce": {"en": ("HGV Class 1", "C+E"), "nl": ("Rijbewijs CE", "Rijbewijs C+E"), "de": ("Führerschein CE",)},
    "code 95": {"en": ("Driver CPC", "Code 95"), "nl": ("Code 95", "Code95")},
    "tachograph": {"en": ("Tachograph",), "nl": ("Tachograaf",)},
    "adr": {"en": ("ADR", "Dangerous goods"), "nl": ("ADR", "ADR-certificaat")},
    "vca": {"en": ("VCA",), "nl": ("VCA", "VCA basis", "VCA-vol")},
    "last-mile delivery": {"en": ("Parcel delivery", "Multi-drop"), "nl": ("Pakketbezorging",)},
    "route planning": {"en": ("Route planning",), "nl": ("Routeplanning", "Rittenplanning")},
    "transport planning": {"en": ("Transport planning",), "nl": ("Transportplanning",)},
    "supply chain management": {"en": ("Supply chain", "Supply chain management"), "nl": ("Supply chain",)},
    "customs": {"en": ("Customs", "Customs clearance"), "nl": ("Douane", "Douaneaangifte")},
    "people management": {"en": ("People management", "Team leadership"), "nl": ("Leidinggeven",)},
    "shift work": {"en": ("Shift work", "Night shifts"), "nl": ("Ploegendienst", "Onregelmatige diensten")},
    "physical work": {"en": ("Manual handling",), "nl": ("Fysiek werk",)},
    "health and safety": {"en": ("Health and safety",), "nl": ("Veilig werken", "Arbo")},
    "excel": {"en": ("Excel", "MS Excel"), "nl": ("Excel",)},
    "microsoft office": {"en": ("MS Office", "Microsoft Office"), "nl": ("MS Office", "Office")},
    "dutch": {"en": ("Dutch",), "nl": ("Nederlands",), "de": ("Niederländisch",)},
    "english": {"en": ("English",), "nl": ("Engels",), "de": ("Englisch",)},
    "german": {"en": ("German",), "nl": ("Duits",), "de": ("Deutsch",)},
    "french": {"en": ("French",), "nl": ("Frans",), "de": ("Französisch",)},
    "polish": {"en": ("Polish",)},
}

# Rare misspellings, kept as typed: some the vocabulary knows (kubernets, postgress), some it does not.
MISSPELLINGS: dict[str, str] = {
    "python": "pyhton",
    "kubernetes": "kubernets",
    "postgresql": "postgress",
    "javascript": "javscript",
    "wound care": "wondverzoging",
    "order picking": "order piking",
    "elderly care": "ouderen zorg",
}

# Registrations a nurse lists, by the country they work in.
NURSE_REGISTRATION: dict[str, str] = {"NL": "big registration", "GB": "nmc registration"}
NURSING_ARCHETYPES = frozenset({"hospital_nurse", "icu_nurse", "emergency_or_nurse", "district_nurse"})

# People who signed up through each job's own campaign (the careers page, a job board, a referral drive): the
# customer's pool is shaped by what it hires for, so each job brings in a few people of its kind, from its region.
# They are appended after the general pool from a second seeded stream. (archetype, origin, count, years band)
CAMPAIGN_SIGNUPS: list[tuple[str, str, int, tuple[int, int] | None]] = [
    ("python_backend", "randstad", 4, None),  # J01
    ("java_backend", "randstad", 8, None),  # J02
    ("frontend", "randstad", 12, None),  # J03
    ("devops", "randstad", 4, None),  # J04
    ("devops", "flanders", 3, None),
    ("devops", "germany", 3, None),
    ("data_engineer", "randstad", 4, None),  # J05
    ("ml_engineer", "south_abroad", 4, None),  # J06
    ("data_analyst", "south", 5, None),  # J07
    ("dotnet", "randstad", 8, None),  # J08
    ("qa", "randstad", 6, None),  # J09
    ("it_support", "east_north", 8, None),  # J10
    ("sre_go", "germany", 12, None),  # J11
    ("fullstack_js", "britain", 12, None),  # J12
    ("python_backend", "randstad", 12, (0, 2)),  # J13: a traineeship campaign draws starters
    ("security", "flanders", 10, None),  # J14
    ("security", "wallonia", 3, None),
    ("hospital_nurse", "randstad", 4, None),  # J15
    ("icu_nurse", "randstad", 4, None),  # J16
    ("district_nurse", "randstad", 4, None),  # J17
    ("care_assistant", "east_north", 4, None),  # J18
    ("hospital_nurse", "britain", 10, None),  # J19
    ("mental_health", "randstad", 4, None),  # J20
    ("gp_assistant", "randstad", 4, None),  # J21
    ("hospital_nurse", "germany", 4, None),  # J22
    ("emergency_or_nurse", "east_north", 4, None),  # J23
    ("warehouse_operative", "south", 4, None),  # J24
    ("forklift_driver", "south", 4, None),  # J25
    ("truck_driver", "randstad", 4, None),  # J26
    ("transport_planner", "randstad", 5, None),  # J27
    ("warehouse_lead", "south", 8, None),  # J28
    ("supply_chain", "south", 8, None),  # J29
    ("customs", "randstad", 4, None),  # J30
    ("warehouse_operative", "britain", 5, None),  # J31
    ("delivery_driver", "flanders", 5, None),  # J32
    # A second round for the jobs whose first labelling found fewer than three full matches (see README.md).
    ("warehouse_lead", "south", 6, None),  # J28
    ("it_support", "east_north", 6, None),  # J10
    ("emergency_or_nurse", "east_north", 6, None),  # J23
    ("security", "flanders", 6, None),  # J14
]
