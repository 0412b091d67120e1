"""Offline ISO 3166-1 country table, common aliases, and the sales region of each country.

Generated once from the Debian ``iso-codes`` package (ISO 3166-1, 249 entries) and then kept in
the code, so that ingest never downloads anything. Each line: alpha-2, alpha-3, region code, and
the English names separated by ``|``. Region codes map onto ``schema.REGIONS``; Antarctica and
Bouvet Island have none (``--``).

Region choices a reader may disagree with: Mexico, Central America, the Caribbean and South
America are Latin America (Puerto Rico and the US Virgin Islands count as North America, as US
sales territories do); Turkey and the Caucasus are Europe; Central Asia is Asia Pacific;
Afghanistan and Pakistan are Asia Pacific; North Africa and the Gulf are Middle East & Africa.
"""

from __future__ import annotations

REGION_CODES = {
    "NA": "North America",
    "EU": "Europe",
    "AP": "Asia Pacific",
    "LA": "Latin America",
    "ME": "Middle East & Africa",
}

ISO_COUNTRIES = """
AD AND EU Andorra|Principality of Andorra
AE ARE ME United Arab Emirates
AF AFG AP Afghanistan|Islamic Republic of Afghanistan
AG ATG LA Antigua and Barbuda
AI AIA LA Anguilla
AL ALB EU Albania|Republic of Albania
AM ARM EU Armenia|Republic of Armenia
AO AGO ME Angola|Republic of Angola
AQ ATA -- Antarctica
AR ARG LA Argentina|Argentine Republic
AS ASM AP American Samoa
AT AUT EU Austria|Republic of Austria
AU AUS AP Australia
AW ABW LA Aruba
AX ALA EU Åland Islands
AZ AZE EU Azerbaijan|Republic of Azerbaijan
BA BIH EU Bosnia and Herzegovina|Republic of Bosnia and Herzegovina
BB BRB LA Barbados
BD BGD AP Bangladesh|People's Republic of Bangladesh
BE BEL EU Belgium|Kingdom of Belgium
BF BFA ME Burkina Faso
BG BGR EU Bulgaria|Republic of Bulgaria
BH BHR ME Bahrain|Kingdom of Bahrain
BI BDI ME Burundi|Republic of Burundi
BJ BEN ME Benin|Republic of Benin
BL BLM LA Saint Barthélemy
BM BMU NA Bermuda
BN BRN AP Brunei Darussalam
BO BOL LA Bolivia, Plurinational State of|Plurinational State of Bolivia|Bolivia
BQ BES LA Bonaire, Sint Eustatius and Saba
BR BRA LA Brazil|Federative Republic of Brazil
BS BHS LA Bahamas|Commonwealth of the Bahamas
BT BTN AP Bhutan|Kingdom of Bhutan
BV BVT -- Bouvet Island
BW BWA ME Botswana|Republic of Botswana
BY BLR EU Belarus|Republic of Belarus
BZ BLZ LA Belize
CA CAN NA Canada
CC CCK AP Cocos (Keeling) Islands
CD COD ME Congo, The Democratic Republic of the
CF CAF ME Central African Republic
CG COG ME Congo|Republic of the Congo
CH CHE EU Switzerland|Swiss Confederation
CI CIV ME Côte d'Ivoire|Republic of Côte d'Ivoire
CK COK AP Cook Islands
CL CHL LA Chile|Republic of Chile
CM CMR ME Cameroon|Republic of Cameroon
CN CHN AP China|People's Republic of China
CO COL LA Colombia|Republic of Colombia
CR CRI LA Costa Rica|Republic of Costa Rica
CU CUB LA Cuba|Republic of Cuba
CV CPV ME Cabo Verde|Republic of Cabo Verde
CW CUW LA Curaçao
CX CXR AP Christmas Island
CY CYP EU Cyprus|Republic of Cyprus
CZ CZE EU Czechia|Czech Republic
DE DEU EU Germany|Federal Republic of Germany
DJ DJI ME Djibouti|Republic of Djibouti
DK DNK EU Denmark|Kingdom of Denmark
DM DMA LA Dominica|Commonwealth of Dominica
DO DOM LA Dominican Republic
DZ DZA ME Algeria|People's Democratic Republic of Algeria
EC ECU LA Ecuador|Republic of Ecuador
EE EST EU Estonia|Republic of Estonia
EG EGY ME Egypt|Arab Republic of Egypt
EH ESH ME Western Sahara
ER ERI ME Eritrea|the State of Eritrea
ES ESP EU Spain|Kingdom of Spain
ET ETH ME Ethiopia|Federal Democratic Republic of Ethiopia
FI FIN EU Finland|Republic of Finland
FJ FJI AP Fiji|Republic of Fiji
FK FLK LA Falkland Islands (Malvinas)
FM FSM AP Micronesia, Federated States of|Federated States of Micronesia
FO FRO EU Faroe Islands
FR FRA EU France|French Republic
GA GAB ME Gabon|Gabonese Republic
GB GBR EU United Kingdom|United Kingdom of Great Britain and Northern Ireland
GD GRD LA Grenada
GE GEO EU Georgia
GF GUF LA French Guiana
GG GGY EU Guernsey
GH GHA ME Ghana|Republic of Ghana
GI GIB EU Gibraltar
GL GRL NA Greenland
GM GMB ME Gambia|Republic of the Gambia
GN GIN ME Guinea|Republic of Guinea
GP GLP LA Guadeloupe
GQ GNQ ME Equatorial Guinea|Republic of Equatorial Guinea
GR GRC EU Greece|Hellenic Republic
GS SGS LA South Georgia and the South Sandwich Islands
GT GTM LA Guatemala|Republic of Guatemala
GU GUM AP Guam
GW GNB ME Guinea-Bissau|Republic of Guinea-Bissau
GY GUY LA Guyana|Republic of Guyana
HK HKG AP Hong Kong|Hong Kong Special Administrative Region of China
HM HMD AP Heard Island and McDonald Islands
HN HND LA Honduras|Republic of Honduras
HR HRV EU Croatia|Republic of Croatia
HT HTI LA Haiti|Republic of Haiti
HU HUN EU Hungary
ID IDN AP Indonesia|Republic of Indonesia
IE IRL EU Ireland
IL ISR ME Israel|State of Israel
IM IMN EU Isle of Man
IN IND AP India|Republic of India
IO IOT AP British Indian Ocean Territory
IQ IRQ ME Iraq|Republic of Iraq
IR IRN ME Iran, Islamic Republic of|Islamic Republic of Iran|Iran
IS ISL EU Iceland|Republic of Iceland
IT ITA EU Italy|Italian Republic
JE JEY EU Jersey
JM JAM LA Jamaica
JO JOR ME Jordan|Hashemite Kingdom of Jordan
JP JPN AP Japan
KE KEN ME Kenya|Republic of Kenya
KG KGZ AP Kyrgyzstan|Kyrgyz Republic
KH KHM AP Cambodia|Kingdom of Cambodia
KI KIR AP Kiribati|Republic of Kiribati
KM COM ME Comoros|Union of the Comoros
KN KNA LA Saint Kitts and Nevis
KP PRK AP Korea, Democratic People's Republic of|Democratic People's Republic of Korea|North Korea
KR KOR AP Korea, Republic of|South Korea
KW KWT ME Kuwait|State of Kuwait
KY CYM LA Cayman Islands
KZ KAZ AP Kazakhstan|Republic of Kazakhstan
LA LAO AP Lao People's Democratic Republic|Laos
LB LBN ME Lebanon|Lebanese Republic
LC LCA LA Saint Lucia
LI LIE EU Liechtenstein|Principality of Liechtenstein
LK LKA AP Sri Lanka|Democratic Socialist Republic of Sri Lanka
LR LBR ME Liberia|Republic of Liberia
LS LSO ME Lesotho|Kingdom of Lesotho
LT LTU EU Lithuania|Republic of Lithuania
LU LUX EU Luxembourg|Grand Duchy of Luxembourg
LV LVA EU Latvia|Republic of Latvia
LY LBY ME Libya
MA MAR ME Morocco|Kingdom of Morocco
MC MCO EU Monaco|Principality of Monaco
MD MDA EU Moldova, Republic of|Republic of Moldova|Moldova
ME MNE EU Montenegro
MF MAF LA Saint Martin (French part)
MG MDG ME Madagascar|Republic of Madagascar
MH MHL AP Marshall Islands|Republic of the Marshall Islands
MK MKD EU North Macedonia|Republic of North Macedonia
ML MLI ME Mali|Republic of Mali
MM MMR AP Myanmar|Republic of Myanmar
MN MNG AP Mongolia
MO MAC AP Macao|Macao Special Administrative Region of China
MP MNP AP Northern Mariana Islands|Commonwealth of the Northern Mariana Islands
MQ MTQ LA Martinique
MR MRT ME Mauritania|Islamic Republic of Mauritania
MS MSR LA Montserrat
MT MLT EU Malta|Republic of Malta
MU MUS ME Mauritius|Republic of Mauritius
MV MDV AP Maldives|Republic of Maldives
MW MWI ME Malawi|Republic of Malawi
MX MEX LA Mexico|United Mexican States
MY MYS AP Malaysia
MZ MOZ ME Mozambique|Republic of Mozambique
NA NAM ME Namibia|Republic of Namibia
NC NCL AP New Caledonia
NE NER ME Niger|Republic of the Niger
NF NFK AP Norfolk Island
NG NGA ME Nigeria|Federal Republic of Nigeria
NI NIC LA Nicaragua|Republic of Nicaragua
NL NLD EU Netherlands|Kingdom of the Netherlands
NO NOR EU Norway|Kingdom of Norway
NP NPL AP Nepal|Federal Democratic Republic of Nepal
NR NRU AP Nauru|Republic of Nauru
NU NIU AP Niue
NZ NZL AP New Zealand
OM OMN ME Oman|Sultanate of Oman
PA PAN LA Panama|Republic of Panama
PE PER LA Peru|Republic of Peru
PF PYF AP French Polynesia
PG PNG AP Papua New Guinea|Independent State of Papua New Guinea
PH PHL AP Philippines|Republic of the Philippines
PK PAK AP Pakistan|Islamic Republic of Pakistan
PL POL EU Poland|Republic of Poland
PM SPM NA Saint Pierre and Miquelon
PN PCN AP Pitcairn
PR PRI NA Puerto Rico
PS PSE ME Palestine, State of|the State of Palestine
PT PRT EU Portugal|Portuguese Republic
PW PLW AP Palau|Republic of Palau
PY PRY LA Paraguay|Republic of Paraguay
QA QAT ME Qatar|State of Qatar
RE REU ME Réunion
RO ROU EU Romania
RS SRB EU Serbia|Republic of Serbia
RU RUS EU Russian Federation
RW RWA ME Rwanda|Rwandese Republic
SA SAU ME Saudi Arabia|Kingdom of Saudi Arabia
SB SLB AP Solomon Islands
SC SYC ME Seychelles|Republic of Seychelles
SD SDN ME Sudan|Republic of the Sudan
SE SWE EU Sweden|Kingdom of Sweden
SG SGP AP Singapore|Republic of Singapore
SH SHN ME Saint Helena, Ascension and Tristan da Cunha
SI SVN EU Slovenia|Republic of Slovenia
SJ SJM EU Svalbard and Jan Mayen
SK SVK EU Slovakia|Slovak Republic
SL SLE ME Sierra Leone|Republic of Sierra Leone
SM SMR EU San Marino|Republic of San Marino
SN SEN ME Senegal|Republic of Senegal
SO SOM ME Somalia|Federal Republic of Somalia
SR SUR LA Suriname|Republic of Suriname
SS SSD ME South Sudan|Republic of South Sudan
ST STP ME Sao Tome and Principe|Democratic Republic of Sao Tome and Principe
SV SLV LA El Salvador|Republic of El Salvador
SX SXM LA Sint Maarten (Dutch part)
SY SYR ME Syrian Arab Republic|Syria
SZ SWZ ME Eswatini|Kingdom of Eswatini
TC TCA LA Turks and Caicos Islands
TD TCD ME Chad|Republic of Chad
TF ATF ME French Southern Territories
TG TGO ME Togo|Togolese Republic
TH THA AP Thailand|Kingdom of Thailand
TJ TJK AP Tajikistan|Republic of Tajikistan
TK TKL AP Tokelau
TL TLS AP Timor-Leste|Democratic Republic of Timor-Leste
TM TKM AP Turkmenistan
TN TUN ME Tunisia|Republic of Tunisia
TO TON AP Tonga|Kingdom of Tonga
TR TUR EU Türkiye|Republic of Türkiye
TT TTO LA Trinidad and Tobago|Republic of Trinidad and Tobago
TV TUV AP Tuvalu
TW TWN AP Taiwan, Province of China|Taiwan
TZ TZA ME Tanzania, United Republic of|United Republic of Tanzania|Tanzania
UA UKR EU Ukraine
UG UGA ME Uganda|Republic of Uganda
UM UMI NA United States Minor Outlying Islands
US USA NA United States|United States of America
UY URY LA Uruguay|Eastern Republic of Uruguay
UZ UZB AP Uzbekistan|Republic of Uzbekistan
VA VAT EU Holy See (Vatican City State)
VC VCT LA Saint Vincent and the Grenadines
VE VEN LA Venezuela, Bolivarian Republic of|Bolivarian Republic of Venezuela|Venezuela
VG VGB LA Virgin Islands, British|British Virgin Islands
VI VIR NA Virgin Islands, U.S.|Virgin Islands of the United States
VN VNM AP Viet Nam|Socialist Republic of Viet Nam|Vietnam
VU VUT AP Vanuatu|Republic of Vanuatu
WF WLF AP Wallis and Futuna
WS WSM AP Samoa|Independent State of Samoa
YE YEM ME Yemen|Republic of Yemen
YT MYT ME Mayotte
ZA ZAF ME South Africa|Republic of South Africa
ZM ZMB ME Zambia|Republic of Zambia
ZW ZWE ME Zimbabwe|Republic of Zimbabwe
"""

# Names people write that are not in the ISO list: local spellings, short forms, old names.
# Keys are matched after lower-casing and removing accents and punctuation.
COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states of america": "US",
    "america": "US",
    "the united states": "US",
    "etats unis": "US",
    "vereinigte staaten": "US",
    "estados unidos": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom": "GB",
    "deutschland": "DE",
    "germany": "DE",
    "allemagne": "DE",
    "alemania": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "espana": "ES",
    "italia": "IT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "osterreich": "AT",
    "oesterreich": "AT",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "polska": "PL",
    "cesko": "CZ",
    "czech republic": "CZ",
    "czech": "CZ",
    "slovak republic": "SK",
    "russia": "RU",
    "russian federation": "RU",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "korea south": "KR",
    "north korea": "KP",
    "iran": "IR",
    "vietnam": "VN",
    "viet nam": "VN",
    "taiwan": "TW",
    "republic of china": "TW",
    "prc": "CN",
    "mainland china": "CN",
    "peoples republic of china": "CN",
    "hong kong sar": "HK",
    "macau": "MO",
    "macao sar": "MO",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "macedonia": "MK",
    "north macedonia": "MK",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "cote divoire": "CI",
    "uae": "AE",
    "u a e": "AE",
    "emirates": "AE",
    "ksa": "SA",
    "saudi": "SA",
    "brasil": "BR",
    "mexico": "MX",
    "turkey": "TR",
    "turkiye": "TR",
    "vatican": "VA",
    "vatican city": "VA",
    "holy see": "VA",
    "palestine": "PS",
    "burma": "MM",
    "cape verde": "CV",
    "swaziland": "SZ",
    "east timor": "TL",
    "dr congo": "CD",
    "drc": "CD",
    "congo kinshasa": "CD",
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "congo brazzaville": "CG",
    "republic of the congo": "CG",
    "congo": "CG",
    "brunei": "BN",
    "micronesia": "FM",
    "the bahamas": "BS",
    "bahamas": "BS",
    "the gambia": "GM",
    "gambia": "GM",
    "republic of ireland": "IE",
    "eire": "IE",
    "nippon": "JP",
    "zhongguo": "CN",
    "bharat": "IN",
    "hellas": "GR",
    "st lucia": "LC",
    "st kitts and nevis": "KN",
    "st vincent and the grenadines": "VC",
    "curacao": "CW",
    "reunion": "RE",
    "aland": "AX",
    "falklands": "FK",
    "south africa": "ZA",
    "rsa": "ZA",
    "new zealand": "NZ",
    "aotearoa": "NZ",
}
