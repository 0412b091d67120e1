"""Job titles to a function (Engineering, Finance, ...) and a seniority (C-level ... IC).

CRM titles are free text typed by reps and contacts: "VP Eng", "Sr. Mgr, RevOps", "Co-Founder &
CEO", "Leiter IT", "Directeur Financier", "Jefe de Ventas". Personas can only be counted once
these collapse into a few functions and five seniority levels, so this module reads a title the
way a person would:

1. clean it: accents off, lower case, dots and gender markers ("(m/w/d)") dropped, hyphens
   turned into spaces, and the title cut into parts at ``,``, ``&``, ``/``, ``|``, "and", "und",
   "et", "y" ("Head of Sales & Marketing" -> "head of sales", "marketing");
2. read each part left to right against one lexicon of words and phrases, the longest phrase
   first ("sales operations" is Revenue Operations, not Sales plus Operations; "vice president"
   is not "president"), and German compounds by their stems ("Vertriebsleiter" = Vertrieb +
   Leiter);
3. the seniority of the title is the highest any part says; its function is the one named by the
   most senior part, else the first named anywhere. Within one part the most specific function
   wins ("Data Engineering Manager" is Data, "Security Engineer" is Security).

A title that names no seniority but names a working role ("Data Engineer", "Analyst",
"Consultant") is an individual contributor; one that names neither ("Marketing") keeps an unknown
seniority rather than a guessed one. Unknown words are ignored, so "Sales Ninja" is still Sales.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

C_LEVEL, VP, DIRECTOR, MANAGER, IC = (
    "C-level",
    "VP",
    "Director",
    "Manager",
    "Individual Contributor",
)
SENIORITIES = (C_LEVEL, VP, DIRECTOR, MANAGER, IC)  # most senior first
_RANK = {level: len(SENIORITIES) - i for i, level in enumerate(SENIORITIES)}

EXECUTIVE = "Executive"
ENGINEERING = "Engineering"
DATA = "Data"
PRODUCT = "Product"
IT = "IT"
SECURITY = "Security"
FINANCE = "Finance"
SALES = "Sales"
REVOPS = "Revenue Operations"
MARKETING = "Marketing"
CUSTOMER_SUCCESS = "Customer Success"
OPERATIONS = "Operations"
HR = "HR"
LEGAL = "Legal"
PROCUREMENT = "Procurement"

# When one part of a title names several functions, the first in this list wins: the specific
# beats the generic ("Security Engineer" -> Security, "Network Engineer" -> IT, "Sales Engineer"
# -> Sales, "Financial Analyst" -> Finance), and general management comes last.
FUNCTIONS = (
    REVOPS,
    SECURITY,
    LEGAL,
    HR,
    PROCUREMENT,
    CUSTOMER_SUCCESS,
    FINANCE,
    MARKETING,
    SALES,
    DATA,
    PRODUCT,
    IT,
    ENGINEERING,
    OPERATIONS,
    EXECUTIVE,
)
_PRIORITY = {name: i for i, name in enumerate(FUNCTIONS)}


@dataclass(frozen=True)
class JobTitle:
    """What a title says about its holder; ``None`` where the title does not say."""

    function: str | None
    seniority: str | None


# --- The lexicon -------------------------------------------------------------------------------
# Words and phrases as they read after cleaning (lower case, no accents, no dots or hyphens).

_FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    EXECUTIVE: (
        "ceo", "chief executive", "chief executive officer", "president", "presidente",
        "managing director", "md", "owner", "co owner", "proprietor", "general manager", "gm",
        "chairman", "chairwoman", "chair", "chairperson", "board member", "member of the board",
        "board of directors", "non executive director", "executive director", "chief of staff",
        "geschaftsfuhrer", "geschaeftsfuehrer", "geschaftsfuhrerin", "vorstand",
        "vorstandsvorsitzender", "inhaber", "inhaberin", "directeur general",
        "directrice generale", "pdg", "president directeur general", "gerant", "gerante",
        "director general", "directora general", "gerente general", "consejero delegado",
        "amministratore delegato", "diretor geral", "diretor executivo", "eigenaar",
        "general management",
    ),
    ENGINEERING: (
        "engineering", "engineer", "engineers", "eng", "engr", "engg", "software", "developer",
        "development", "dev", "devops", "sre", "site reliability", "platform", "backend",
        "back end", "frontend", "front end", "full stack", "fullstack", "programmer", "swe",
        "sde", "qa", "quality assurance", "test automation", "architect", "architecture",
        "cto", "chief technology officer", "chief technical officer", "technology", "tech",
        "rnd", "research and development", "firmware", "embedded", "mobile", "ios", "android",
        "cloud", "infrastructure", "infra", "technical", "ingenieur", "ingenieure",
        "ingeniero", "ingeniera", "ingegnere", "engenheiro", "developpeur", "developpeuse",
        "desarrollador", "desarrolladora", "entwickler", "entwicklerin", "entwicklung",
        "directeur technique", "directrice technique", "technique", "tecnologia",
    ),
    DATA: (
        "data", "analytics", "bi", "business intelligence", "data science", "machine learning",
        "ml", "ai", "artificial intelligence", "dataops", "mlops", "cdo", "chief data officer",
        "chief analytics officer", "caio", "insights", "statistician", "daten", "donnees",
        "datos", "dados", "dati", "reporting",
    ),
    PRODUCT: (
        "product", "products", "cpo", "chief product officer", "ux", "ui", "user experience",
        "design", "designer", "pm", "tpm", "produit", "producto", "produkt", "prodotto",
    ),
    IT: (
        "it", "information technology", "cio", "chief information officer", "systems",
        "system", "sysadmin", "systems administrator", "system administrator",
        "network", "networks", "networking", "helpdesk", "help desk", "service desk",
        "it support", "desktop support", "itops", "informatique", "informatik", "sistemas",
        "informatica", "ti", "edv", "dsi", "directeur des systemes d information",
        "systemes d information", "erp",
    ),
    SECURITY: (
        "security", "secops", "infosec", "information security", "cybersecurity",
        "cyber security", "cyber", "ciso", "cso", "chief security officer",
        "chief information security officer", "soc", "securite", "seguridad", "sicherheit",
        "it sicherheit", "appsec", "iam", "identity and access",
    ),
    FINANCE: (
        "finance", "financial", "financials", "cfo", "chief financial officer", "controller",
        "comptroller", "controlling", "accounting", "accountant", "accounts payable",
        "accounts receivable", "treasury", "treasurer", "tax", "audit", "auditor", "fpa",
        "payroll", "bookkeeper", "finops", "finanzen", "finanz", "buchhaltung", "buchhalter",
        "finances", "financier", "financiere", "comptable", "comptabilite", "daf",
        "finanzas", "financiero", "financiera", "contabilidad", "contador", "contadora",
        "tesoreria", "financeiro", "finanza", "billing", "revenue accountant", "mna",
        "corporate development",
    ),
    SALES: (
        "sales", "sale", "selling", "revenue", "cro", "chief revenue officer",
        "chief sales officer", "chief commercial officer", "commercial", "account executive",
        "ae", "sdr", "bdr", "business development", "bizdev", "bd", "sales development",
        "account manager", "key account", "key account manager", "account director",
        "account management", "inside sales", "field sales", "channel", "partnerships",
        "alliances", "presales", "pre sales", "solutions engineer", "solution engineer",
        "sales engineer", "solutions consultant", "gtm", "go to market", "vertrieb",
        "verkauf", "ventes", "vente", "ventas", "comercial", "vendas", "vendite",
        "commerciale", "verkoop", "directeur commercial", "directrice commerciale",
        "director comercial", "directora comercial", "ejecutivo de cuentas",
        "ejecutiva de cuentas", "enterprise accounts", "sales enablement",
    ),
    REVOPS: (
        "revops", "rev ops", "revenue operations", "sales operations", "sales ops", "salesops",
        "gtm operations", "gtm ops", "go to market operations", "salesforce administrator",
        "salesforce admin", "salesforce", "crm", "crm administrator", "crm manager",
        "deal desk", "sales systems", "revenue systems", "commercial operations",
    ),
    MARKETING: (
        "marketing", "mktg", "mkt", "cmo", "chief marketing officer", "growth",
        "demand generation", "demand gen", "brand", "branding", "content", "seo", "sem",
        "communications", "comms", "pr", "public relations", "events", "field marketing",
        "product marketing", "marketing operations", "mops", "marops", "digital marketing",
        "social media", "community", "creative", "copywriter", "mercadeo", "mercadotecnia",
        "communication", "marketing automation", "lifecycle", "acquisition", "cgo",
        "chief growth officer", "ecommerce", "graphic design", "graphic designer", "media buyer",
        "social media manager", "community manager",
    ),
    CUSTOMER_SUCCESS: (
        "customer success", "customer support", "customer service", "customer experience",
        "customer care", "client services", "client success", "support", "csm",
        "customer success manager", "onboarding", "implementation", "professional services",
        "service client", "atencion al cliente", "kundenservice", "kundenbetreuung",
        "kundenbetreuer", "cx", "retention", "renewals", "account services",
    ),
    OPERATIONS: (
        "operations", "operation", "ops", "coo", "chief operating officer",
        "chief operations officer", "business operations", "bizops", "business analyst",
        "project", "projects", "program", "programme", "project manager", "office manager",
        "office", "administration", "administrative", "admin", "executive assistant",
        "logistics", "supply chain", "facilities", "strategy", "transformation",
        "chef de projet", "cheffe de projet", "projektleiter", "projektmanager",
        "jefe de proyecto", "jefa de proyecto", "operaciones", "operacoes", "operazioni",
        "betrieb", "logistik", "assistant de direction", "assistante de direction",
        "pmo", "process", "quality", "business excellence", "personal assistant",
    ),
    HR: (
        "hr", "human resources", "people", "people operations", "people ops", "peopleops",
        "talent", "talent acquisition", "recruiter", "recruiting", "recruitment", "hrbp",
        "chro", "chief people officer", "chief human resources officer", "personnel",
        "learning and development", "compensation", "benefits", "culture", "happiness",
        "employee experience", "lnd", "personal", "personalwesen",
        "ressources humaines", "rh", "drh", "recursos humanos", "rrhh", "risorse umane",
        "ta",
    ),
    LEGAL: (
        "legal", "counsel", "general counsel", "gc", "attorney", "lawyer", "paralegal",
        "compliance", "privacy", "dpo", "data protection officer", "clo", "chief legal officer",
        "juriste", "juridique", "abogado", "abogada", "juridico", "recht", "rechtsanwalt",
        "justiziar", "syndikus", "contracts", "regulatory",
    ),
    PROCUREMENT: (
        "procurement", "purchasing", "purchase", "buyer", "sourcing", "vendor management",
        "supplier", "einkauf", "einkaufer", "beschaffung",
        "achats", "acheteur", "acheteuse", "compras", "comprador", "compradora", "acquisti",
        "inkoop",
    ),
}  # fmt: skip

_SENIORITY_WORDS: dict[str, tuple[str, ...]] = {
    C_LEVEL: (
        "chief", "ceo", "cto", "cfo", "coo", "cmo", "cio", "ciso", "cso", "cdo", "cpo", "cro",
        "cco", "chro", "clo", "caio", "cxo", "cao", "cbo", "cgo", "cco", "c level", "c suite",
        "president", "presidente", "founder", "co founder", "cofounder", "founding partner",
        "managing partner", "general partner", "senior partner",
        "equity partner", "owner", "co owner", "proprietor", "managing director", "md",
        "chairman", "chairwoman", "chair", "chairperson", "board member",
        "member of the board", "board of directors", "non executive director",
        "executive director", "chief executive", "geschaftsfuhrer", "geschaeftsfuehrer",
        "geschaftsfuhrerin", "vorstand", "vorstandsvorsitzender", "inhaber", "inhaberin",
        "grunder", "grunderin", "mitgrunder", "fondateur", "fondatrice", "cofondateur",
        "cofondatrice", "co fondateur", "co fondatrice", "fundador", "fundadora",
        "cofundador", "cofundadora", "co fundador", "co fundadora", "directeur general",
        "directrice generale", "pdg", "president directeur general", "gerant", "gerante",
        "director general", "directora general", "gerente general", "consejero delegado",
        "amministratore delegato", "diretor geral", "diretor executivo", "eigenaar",
        "directeur financier", "directrice financiere", "directeur administratif",
        "daf", "director financiero", "directora financiera", "dsi",
        "directeur des systemes d information", "directeur technique",
        "directrice technique",
    ),
    VP: (
        "vp", "vice president", "vicepresident", "vice presidente", "vicepresidente",
        "vice presidente", "svp", "evp", "gvp", "senior vice president",
        "executive vice president", "group vice president", "general manager", "gm",
        "bereichsleiter", "bereichsleiterin", "directeur commercial", "directrice commerciale",
        "director comercial", "directora comercial", "general counsel", "gc",
    ),
    DIRECTOR: (
        "director", "directors", "dir", "directeur", "directrice", "directora", "diretor",
        "diretora", "direttore", "direttrice", "direktor", "direktorin", "head", "heads",
        "head of", "leiter", "leiterin", "leitung", "abteilungsleiter", "abteilungsleiterin",
        "hoofd", "chief of staff", "account director", "assistant director",
        "associate director", "chief architect", "chief engineer", "chief scientist",
        "chief economist", "drh", "responsable de departamento",
    ),
    MANAGER: (
        "manager", "managers", "mgr", "supervisor", "superviseur",
        "supervisora", "supervisor de", "team lead", "team leader", "teamlead", "teamleiter",
        "teamleiterin", "gruppenleiter", "gruppenleiterin", "projektleiter", "leader", "lead of",
        "gerente", "jefe", "jefa", "responsable", "responsabile", "chef", "cheffe",
        "chef de projet", "cheffe de projet", "chef de produit", "controller", "comptroller",
        "avp", "assistant vice president", "assistant manager", "foreman", "manager of",
        "office manager", "project manager", "projektmanager", "jefe de proyecto",
        "jefa de proyecto", "crm manager", "pm", "tpm",
    ),
    IC: (
        "engineer", "engineers", "developer", "programmer", "analyst", "analysts", "analista",
        "specialist", "specialists", "spezialist", "especialista", "associate", "representative",
        "rep", "assistant", "assistante", "asistente", "assistent", "assistentin",
        "consultant", "consultor", "consultora", "berater", "beraterin", "advisor", "adviser",
        "intern", "internship", "trainee", "apprentice", "stagiaire", "alternant", "alternante",
        "praktikant", "praktikantin", "werkstudent", "werkstudentin", "azubi", "becario",
        "becaria", "administrator", "scientist", "designer", "accountant", "recruiter",
        "architect", "technician", "tecnico", "tecnica", "technicien", "coordinator",
        "coordinador", "coordinadora", "coordinateur", "coordinatrice", "officer", "executive",
        "senior", "sr", "snr", "junior", "jr", "staff", "principal", "lead", "member",
        "member of technical staff", "ingenieur", "ingenieure", "ingeniero", "ingeniera",
        "ingegnere", "engenheiro", "developpeur", "developpeuse", "desarrollador",
        "desarrolladora", "entwickler", "entwicklerin", "referent", "referentin",
        "sachbearbeiter", "sachbearbeiterin", "mitarbeiter", "mitarbeiterin", "medewerker",
        "charge", "chargee", "charge de", "chargee de", "comptable", "juriste", "acheteur",
        "acheteuse", "comprador", "compradora", "abogado", "abogada", "bookkeeper", "buyer",
        "account executive", "ae", "sdr", "bdr", "csm", "customer success manager",
        "account manager", "key account manager", "community manager", "social media manager",
        "relationship manager", "success manager", "product owner", "process owner",
        "service owner", "business partner", "hrbp", "paralegal", "attorney", "lawyer",
        "counsel", "auditor", "treasurer", "statistician", "copywriter", "swe", "sde", "sre",
        "contador", "contadora", "executive assistant", "assistant de direction",
        "assistante de direction", "ejecutivo de cuentas", "ejecutiva de cuentas",
        "sales executive", "marketing executive", "ingenieur data", "agent", "clerk",
        "freelance", "freelancer", "contractor", "individual contributor", "ic", "einkaufer",
        "buchhalter", "kundenbetreuer", "admin", "sysadmin", "personal assistant", "media buyer",
        "graphic designer", "founding engineer",
    ),
}  # fmt: skip

# Phrases whose function differs from what their words say one by one.
_FUNCTION_OVERRIDES: dict[str, str | None] = {
    "product owner": PRODUCT,
    "process owner": OPERATIONS,
    "service owner": IT,
    "business partner": None,  # "HR Business Partner": the HR comes from its own word
    "account director": SALES,
    "chief of staff": EXECUTIVE,
    "assistant director": None,
    "associate director": None,
    "chief architect": ENGINEERING,
    "chief engineer": ENGINEERING,
    "chief scientist": DATA,
    "chief economist": FINANCE,
    "general counsel": LEGAL,
    "gc": LEGAL,
    "executive assistant": OPERATIONS,
    "sales executive": SALES,
    "marketing executive": MARKETING,
    "member of technical staff": ENGINEERING,
    "managing partner": EXECUTIVE,
    "founding partner": EXECUTIVE,
    "general partner": EXECUTIVE,
    "senior partner": EXECUTIVE,
    "equity partner": EXECUTIVE,
    "ingenieur data": DATA,
    "directeur administratif": FINANCE,
    "manager of": None,
    "vice president": None,  # not a president
    "senior vice president": None,
    "executive vice president": None,
    "group vice president": None,
    "vice presidente": None,
    "lead of": None,
    "head of": None,
}

# Seniority of phrases whose words alone would say something else.
_SENIORITY_OVERRIDES: dict[str, str | None] = {
    "assistant director": MANAGER,  # below a director: the title says so
    "executive assistant": IC,
    "sales executive": IC,
    "marketing executive": IC,
    "customer success": None,
    "business analyst": IC,
    "account management": None,
    "vendor management": None,
    "general management": None,
    "founding engineer": IC,
    "project manager": MANAGER,
    "product manager": MANAGER,
}


def _build_lexicon() -> dict[tuple[str, ...], tuple[str | None, str | None]]:
    lexicon: dict[tuple[str, ...], list[str | None]] = {}
    for function, words in _FUNCTION_WORDS.items():
        for word in words:
            entry = lexicon.setdefault(tuple(word.split()), [None, None])
            # a word listed under two functions keeps the more specific one
            if entry[0] is None or _PRIORITY[function] < _PRIORITY[entry[0]]:
                entry[0] = function
    for level, words in _SENIORITY_WORDS.items():
        for word in words:
            entry = lexicon.setdefault(tuple(word.split()), [None, None])
            if entry[1] is None or _RANK[level] > _RANK[entry[1]]:
                entry[1] = level
    for phrase in (*_FUNCTION_OVERRIDES, *_SENIORITY_OVERRIDES):
        lexicon.setdefault(tuple(phrase.split()), [None, None])
    # A phrase listed for one reason says the rest through its words: "chief information
    # officer" is IT by the phrase and C-level by "chief"; "community manager" is Marketing.
    for key, entry in lexicon.items():
        if len(key) < 2:
            continue
        readings = [lexicon.get((word,), [None, None]) for word in key]
        functions = [f for f, _ in readings if f]
        levels = [s for _, s in readings if s]
        if entry[0] is None and functions:
            entry[0] = min(functions, key=_PRIORITY.__getitem__)
        if entry[1] is None and levels:
            entry[1] = max(levels, key=_RANK.__getitem__)
    for phrase, overriding_function in _FUNCTION_OVERRIDES.items():
        lexicon.setdefault(tuple(phrase.split()), [None, None])[0] = overriding_function
    for phrase, overriding_level in _SENIORITY_OVERRIDES.items():
        lexicon.setdefault(tuple(phrase.split()), [None, None])[1] = overriding_level
    return {key: (value[0], value[1]) for key, value in lexicon.items()}


_LEXICON = _build_lexicon()
_LONGEST_PHRASE = max(len(key) for key in _LEXICON)

# German (and Dutch) glue words together: "Vertriebsleiter", "Softwareentwickler". A token the
# lexicon does not know is searched for these stems; the seniority suffixes are tried in order.
_FUNCTION_STEMS: tuple[tuple[str, str], ...] = (
    ("vertrieb", SALES), ("verkauf", SALES), ("verkoop", SALES), ("entwickl", ENGINEERING),
    ("ingenieur", ENGINEERING), ("software", ENGINEERING), ("informatik", IT),
    ("netzwerk", IT), ("system", IT), ("finanz", FINANCE), ("buchhalt", FINANCE),
    ("controll", FINANCE), ("einkauf", PROCUREMENT), ("beschaffung", PROCUREMENT),
    ("daten", DATA), ("produkt", PRODUCT), ("projekt", OPERATIONS), ("logistik", OPERATIONS),
    ("sicherheit", SECURITY), ("marketing", MARKETING), ("kunden", CUSTOMER_SUCCESS),
)  # fmt: skip
_PREFIX_STEMS: tuple[tuple[str, str], ...] = (("personal", HR), ("recht", LEGAL))
_SENIORITY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("teamleiter", MANAGER), ("teamleiterin", MANAGER), ("gruppenleiter", MANAGER),
    ("projektleiter", MANAGER), ("bereichsleiter", VP), ("bereichsleiterin", VP),
    ("leiter", DIRECTOR), ("leiterin", DIRECTOR), ("leitung", DIRECTOR),
    ("direktor", DIRECTOR), ("direktorin", DIRECTOR), ("manager", MANAGER),
    ("managerin", MANAGER), ("entwickler", IC), ("entwicklerin", IC), ("ingenieur", IC),
    ("ingenieurin", IC), ("berater", IC), ("beraterin", IC), ("referent", IC),
    ("referentin", IC), ("bearbeiter", IC), ("mitarbeiter", IC), ("analyst", IC),
    ("administrator", IC), ("spezialist", IC), ("assistent", IC), ("assistentin", IC),
    ("kaufmann", IC), ("kauffrau", IC), ("halter", IC), ("medewerker", IC),
)  # fmt: skip

# After these, the rest of a part names someone else: "Executive Assistant to the CEO".
_CUT_AFTER_ASSISTANT = {"to", "of", "for", "del", "de", "du", "au", "der", "des", "von", "the"}
_ASSISTANT = {"assistant", "assistante", "asistente", "assistent", "assistentin", "advisor"}
_NOT_ASSISTANT_LEVELS = {"director", "manager", "vice", "vp", "professor", "controller"}

_PLACEHOLDERS = {"", "n a", "na", "none", "null", "unknown", "tbd", "other", "x", "nan"}

_GENDER_MARKERS = re.compile(
    r"\(\s*[mwfdhx]\s*[/|,]\s*[mwfdhx](\s*[/|,]\s*[mwfdhx])?\s*\)"  # (m/w/d), (H/F)
    r"|\b[mwfd]\s*/\s*[mwfd]\s*/\s*[dxi]\b"  # m/w/d without brackets
    r"|\((e|es|in|innen|a|ne|trice)\)"  # Ingénieur(e), Leiter(in)
)
_JOINED = {  # words glued by "&" or "and" that must stay one thing
    "r&d": "rnd",
    "r & d": "rnd",
    "research and development": "rnd",
    "fp&a": "fpa",
    "fp & a": "fpa",
    "p&l": "pnl",
    "m&a": "mna",
    "go to market": "gtm",
    "e-commerce": "ecommerce",
    "e commerce": "ecommerce",
    "go-to-market": "gtm",
    "identity and access": "iam",
    "learning and development": "lnd",
    "l&d": "lnd",
    "directeur administratif et financier": "daf",
    "directrice administrative et financiere": "daf",
}
_PART_BREAK = re.compile(
    r"\s*(?:[,&/|;:()\[\]+]| - | – | — |\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*"
)


def _clean(title: str) -> str:
    text = unicodedata.normalize("NFKD", title.replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _GENDER_MARKERS.sub(" ", text)
    text = text.replace("–", " - ").replace("—", " - ")
    text = re.sub(r"(?<=\w)\.(?=\w\.)|(?<=\b\w)\.", "", text)  # V.P. -> vp, C.E.O. -> ceo
    text = text.replace(".", " ").replace("'", " ").replace("’", " ").replace("`", " ")
    text = re.sub(r"\s+", " ", text).strip()
    for joined, token in _JOINED.items():
        text = re.sub(rf"(?<!\w){re.escape(joined)}(?!\w)", token, text)
    return text


def _parts(cleaned: str) -> list[list[str]]:
    parts = []
    for part in _PART_BREAK.split(cleaned):
        # a hyphen inside a word joins ("co-founder", "it-leiter"); read it as a space
        tokens = [t for t in re.split(r"[\s\-_]+", part) if t and not t.isdigit()]
        tokens = [t for t in tokens if t not in {"i", "ii", "iii", "iv", "v"} or len(tokens) == 1]
        if tokens:
            parts.append(_cut_assistant(tokens))
    return [p for p in parts if p]


def _cut_assistant(tokens: list[str]) -> list[str]:
    """'Executive Assistant to the CEO' is an assistant: drop whom they assist."""
    for i, token in enumerate(tokens):
        if token == "to" and i > 0:
            return tokens[:i]
        if token in _ASSISTANT and i + 1 < len(tokens):
            following = tokens[i + 1]
            if following in _CUT_AFTER_ASSISTANT:
                return tokens[: i + 1]
    if tokens[:3] == ["office", "of", "the"] or tokens[:2] == ["office", "of"]:
        return []
    return tokens


def _read_part(tokens: list[str]) -> JobTitle:
    functions: list[str] = []
    levels: list[str] = []
    i = 0
    while i < len(tokens):
        for length in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1):
            entry = _LEXICON.get(tuple(tokens[i : i + length]))
            if entry is not None:
                function, level = entry
                i += length
                break
        else:
            function, level = _compound(tokens[i])
            i += 1
        if function:
            functions.append(function)
        if level:
            levels.append(level)
    function = min(functions, key=_PRIORITY.__getitem__) if functions else None
    seniority = max(levels, key=_RANK.__getitem__) if levels else None
    return JobTitle(function, seniority)


def _compound(token: str) -> tuple[str | None, str | None]:
    if len(token) < 6:
        return None, None
    functions = [f for stem, f in _FUNCTION_STEMS if stem in token and stem != token]
    functions += [f for stem, f in _PREFIX_STEMS if token.startswith(stem) and stem != token]
    level = next((lv for suffix, lv in _SENIORITY_SUFFIXES if token.endswith(suffix)), None)
    function = min(functions, key=_PRIORITY.__getitem__) if functions else None
    return function, level


@lru_cache(maxsize=65536)
def _normalise(title: str) -> JobTitle:
    cleaned = _clean(title)
    if re.sub(r"[^a-z]+", " ", cleaned).strip() in _PLACEHOLDERS:
        return JobTitle(None, None)
    readings = [_read_part(tokens) for tokens in _parts(cleaned)]
    levels = [r.seniority for r in readings if r.seniority]
    if not levels:
        named = [r.function for r in readings if r.function]
        return JobTitle(named[0] if named else None, None)
    top = max(levels, key=_RANK.__getitem__)
    at_top = [r.function for r in readings if r.seniority == top and r.function]
    anywhere = [r.function for r in readings if r.function]
    function = next(iter(at_top or anywhere), None)
    if function is None and top == C_LEVEL:
        function = EXECUTIVE  # "Founder", "Chief", "President": general management
    return JobTitle(function, top)


def normalise_title(title: object) -> JobTitle:
    """The function and seniority a job title states.

    >>> normalise_title("VP Eng")
    JobTitle(function='Engineering', seniority='VP')
    >>> normalise_title("Leiter IT")
    JobTitle(function='IT', seniority='Director')
    >>> normalise_title("Co-Founder & CEO")
    JobTitle(function='Executive', seniority='C-level')

    ``function`` is one of :data:`FUNCTIONS` or ``None`` when the title names none;
    ``seniority`` is one of :data:`SENIORITIES` or ``None`` ("Marketing", "Team member?").
    """
    if title is None or (isinstance(title, float) and title != title):
        return JobTitle(None, None)
    return _normalise(str(title))


def normalise_titles(titles: Iterable[object]) -> pd.DataFrame:
    """``function`` and ``seniority`` columns for many titles (each distinct title read once)."""
    series = titles if isinstance(titles, pd.Series) else pd.Series(list(titles), dtype=object)
    text = series.astype(object).where(series.notna(), None)
    readings = {t: normalise_title(t) for t in pd.unique(text.dropna())}
    function = text.map({t: r.function for t, r in readings.items()})
    seniority = text.map({t: r.seniority for t, r in readings.items()})
    return pd.DataFrame(
        {
            "function": function.astype(object).where(function.notna(), None),
            "seniority": seniority.astype(object).where(seniority.notna(), None),
        },
        index=series.index,
    )


# --- CRM department and seniority columns ------------------------------------------------------

_SENIORITY_LABELS: dict[str, str] = {
    "c level": C_LEVEL, "c suite": C_LEVEL, "cxo": C_LEVEL, "c_suite": C_LEVEL,
    "executive": C_LEVEL, "executives": C_LEVEL, "owner": C_LEVEL, "founder": C_LEVEL,
    "partner": C_LEVEL, "board": C_LEVEL, "vp": VP, "vp level": VP, "vice president": VP,
    "svp": VP, "evp": VP, "director": DIRECTOR, "director level": DIRECTOR, "head": DIRECTOR,
    "manager": MANAGER, "management": MANAGER, "senior manager": MANAGER,
    "individual contributor": IC, "ic": IC, "non manager": IC, "staff": IC, "senior": IC,
    "entry": IC, "entry level": IC, "junior": IC, "intern": IC, "training": IC, "unpaid": IC,
    "associate": IC, "professional": IC, "specialist": IC,
}  # fmt: skip


def normalise_seniority(label: object) -> str | None:
    """A CRM or enrichment seniority value ("C-Suite", "VP-Level", "Non-Manager", "entry") as one
    of :data:`SENIORITIES`; a value no rule knows is read as a title ("Head of X")."""
    if label is None or (isinstance(label, float) and label != label):
        return None
    text = re.sub(r"[\s\-_]+", " ", _clean(str(label))).strip()
    for level in SENIORITIES:
        if text == level.lower():
            return level
    if text in _SENIORITY_LABELS:
        return _SENIORITY_LABELS[text]
    return normalise_title(label).seniority


def normalise_function(department: object) -> str | None:
    """A CRM department or job-function value ("Engineering", "R&D", "Human Resources",
    "Information Technology", "Vertrieb") as one of :data:`FUNCTIONS`, or ``None``."""
    if department is None or (isinstance(department, float) and department != department):
        return None
    text = str(department).strip()
    for function in FUNCTIONS:
        if text.lower() == function.lower():
            return function
    return normalise_title(text).function
