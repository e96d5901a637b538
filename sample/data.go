package sample

// occupation is one row of berufe.csv.
type occupation struct {
	number          string
	title           string
	months          int  // regular training period
	split           bool // final exam in two parts, AP1 and AP2
	weight          int  // relative share of contracts
	specialisations []string
}

// occupations are real German training occupations with their regular
// training periods. The numbers are made up: 4 digits, several with a
// leading zero.
var occupations = []occupation{
	{number: "0101", months: 36, split: true, weight: 14,
		title: "Kaufmann für Büromanagement / Kauffrau für Büromanagement"},
	{number: "0214", months: 42, split: true, weight: 8,
		title: "Industriemechaniker / Industriemechanikerin"},
	{number: "0330", months: 36, split: true, weight: 9,
		title: "Fachinformatiker / Fachinformatikerin",
		specialisations: []string{
			"Anwendungsentwicklung", "Systemintegration", "Daten- und Prozessanalyse",
			"Digitale Vernetzung",
		}},
	{number: "0412", months: 24, split: false, weight: 7,
		title: "Verkäufer / Verkäuferin"},
	{number: "0418", months: 36, split: true, weight: 12,
		title: "Kaufmann im Einzelhandel / Kauffrau im Einzelhandel"},
	{number: "0527", months: 42, split: true, weight: 6,
		title: "Elektroniker für Betriebstechnik / Elektronikerin für Betriebstechnik"},
	{number: "0531", months: 42, split: true, weight: 2,
		title: "Elektroniker für Geräte und Systeme / Elektronikerin für Geräte und Systeme"},
	{number: "0603", months: 42, split: true, weight: 5,
		title: "Mechatroniker / Mechatronikerin"},
	{number: "0710", months: 36, split: true, weight: 8,
		title: "Industriekaufmann / Industriekauffrau"},
	{number: "0722", months: 36, split: true, weight: 6,
		title: "Kaufmann für Groß- und Außenhandelsmanagement / " +
			"Kauffrau für Groß- und Außenhandelsmanagement",
		specialisations: []string{"Großhandel", "Außenhandel"}},
	{number: "0805", months: 36, split: false, weight: 6,
		title: "Fachkraft für Lagerlogistik"},
	{number: "0806", months: 24, split: false, weight: 3,
		title: "Fachlagerist / Fachlageristin"},
	{number: "0911", months: 36, split: true, weight: 4,
		title: "Koch / Köchin"},
	{number: "0915", months: 36, split: true, weight: 3,
		title: "Hotelfachmann / Hotelfachfrau"},
	{number: "0920", months: 36, split: true, weight: 2,
		title: "Fachmann für Systemgastronomie / Fachfrau für Systemgastronomie"},
	{number: "1003", months: 36, split: true, weight: 4,
		title: "Bankkaufmann / Bankkauffrau"},
	{number: "1012", months: 36, split: true, weight: 2,
		title: "Kaufmann für Versicherungen und Finanzanlagen / " +
			"Kauffrau für Versicherungen und Finanzanlagen",
		specialisations: []string{"Versicherung", "Finanzberatung"}},
	{number: "1107", months: 42, split: true, weight: 3,
		title: "Zerspanungsmechaniker / Zerspanungsmechanikerin"},
	{number: "1109", months: 42, split: true, weight: 2,
		title: "Werkzeugmechaniker / Werkzeugmechanikerin"},
	{number: "1215", months: 36, split: false, weight: 3,
		title: "Kaufmann für Spedition und Logistikdienstleistung / " +
			"Kauffrau für Spedition und Logistikdienstleistung"},
	{number: "1302", months: 42, split: true, weight: 2,
		title: "Chemikant / Chemikantin"},
	{number: "1410", months: 42, split: true, weight: 2,
		title: "Technischer Produktdesigner / Technische Produktdesignerin",
		specialisations: []string{
			"Produktgestaltung und -konstruktion", "Maschinen- und Anlagenkonstruktion",
		}},
	{number: "1504", months: 24, split: false, weight: 3,
		title: "Maschinen- und Anlagenführer / Maschinen- und Anlagenführerin"},
	{number: "1618", months: 36, split: false, weight: 2,
		title: "Mediengestalter Digital und Print / Mediengestalterin Digital und Print",
		specialisations: []string{
			"Gestaltung und Technik", "Konzeption und Visualisierung", "Beratung und Planung",
		}},
	{number: "1720", months: 36, split: false, weight: 1,
		title: "Fachkraft für Schutz und Sicherheit"},
	{number: "1801", months: 36, split: false, weight: 2,
		title: "Berufskraftfahrer / Berufskraftfahrerin"},
	{number: "1905", months: 24, split: false, weight: 1,
		title: "Änderungsschneider / Änderungsschneiderin"},
	{number: "2011", months: 36, split: false, weight: 2,
		title: "Drogist / Drogistin"},
	{number: "2103", months: 36, split: false, weight: 1,
		title: "Kaufmann für Tourismus und Freizeit / Kauffrau für Tourismus und Freizeit"},
	{number: "0042", months: 36, split: false, weight: 1,
		title: "Bauzeichner / Bauzeichnerin"},
	{number: "0007", months: 36, split: true, weight: 1,
		title: "Papiertechnologe / Papiertechnologin"},
	{number: "3120", months: 36, split: false, weight: 2,
		title: "Kaufmann im E-Commerce / Kauffrau im E-Commerce"},
}

// town is a German town with one of its real postcodes and its phone area code.
type town struct {
	postcode string
	name     string
	areaCode string
}

var towns = []town{
	{"01067", "Dresden", "0351"}, {"01099", "Dresden", "0351"}, {"02625", "Bautzen", "03591"},
	{"02826", "Görlitz", "03581"}, {"03046", "Cottbus", "0355"}, {"04109", "Leipzig", "0341"},
	{"04315", "Leipzig", "0341"}, {"06108", "Halle (Saale)", "0345"},
	{"06844", "Dessau-Roßlau", "0340"}, {"07545", "Gera", "0365"}, {"07743", "Jena", "03641"},
	{"08056", "Zwickau", "0375"}, {"08523", "Plauen", "03741"}, {"09111", "Chemnitz", "0371"},
	{"09599", "Freiberg", "03731"}, {"10115", "Berlin", "030"}, {"10999", "Berlin", "030"},
	{"12043", "Berlin", "030"}, {"14467", "Potsdam", "0331"}, {"18055", "Rostock", "0381"},
	{"19053", "Schwerin", "0385"}, {"20095", "Hamburg", "040"}, {"22765", "Hamburg", "040"},
	{"23552", "Lübeck", "0451"}, {"24103", "Kiel", "0431"}, {"26122", "Oldenburg (Oldb)", "0441"},
	{"28195", "Bremen", "0421"}, {"30159", "Hannover", "0511"}, {"31134", "Hildesheim", "05121"},
	{"33602", "Bielefeld", "0521"}, {"34117", "Kassel", "0561"}, {"35037", "Marburg", "06421"},
	{"37073", "Göttingen", "0551"}, {"38100", "Braunschweig", "0531"},
	{"39104", "Magdeburg", "0391"}, {"40213", "Düsseldorf", "0211"},
	{"41061", "Mönchengladbach", "02161"}, {"42103", "Wuppertal", "0202"},
	{"44135", "Dortmund", "0231"}, {"45127", "Essen", "0201"}, {"46045", "Oberhausen", "0208"},
	{"47051", "Duisburg", "0203"}, {"48143", "Münster", "0251"}, {"49074", "Osnabrück", "0541"},
	{"50667", "Köln", "0221"}, {"52062", "Aachen", "0241"}, {"52531", "Übach-Palenberg", "02451"},
	{"53111", "Bonn", "0228"}, {"54290", "Trier", "0651"}, {"55116", "Mainz", "06131"},
	{"56068", "Koblenz", "0261"}, {"57072", "Siegen", "0271"}, {"58095", "Hagen", "02331"},
	{"60311", "Frankfurt am Main", "069"}, {"63739", "Aschaffenburg", "06021"},
	{"64283", "Darmstadt", "06151"}, {"66111", "Saarbrücken", "0681"},
	{"67059", "Ludwigshafen am Rhein", "0621"}, {"68159", "Mannheim", "0621"},
	{"69117", "Heidelberg", "06221"}, {"70173", "Stuttgart", "0711"},
	{"72070", "Tübingen", "07071"}, {"76133", "Karlsruhe", "0721"},
	{"79098", "Freiburg im Breisgau", "0761"}, {"80331", "München", "089"},
	{"86150", "Augsburg", "0821"}, {"88662", "Überlingen", "07551"}, {"89073", "Ulm", "0731"},
	{"90402", "Nürnberg", "0911"}, {"93047", "Regensburg", "0941"}, {"97070", "Würzburg", "0931"},
	{"98527", "Suhl", "03681"}, {"99084", "Erfurt", "0361"},
}

var streets = []string{
	"Hauptstraße", "Bahnhofstraße", "Königsbrücker Str.", "Marienstraße", "Große Gasse", "Am Hafen",
	"Schillerstraße", "Goethestraße", "Lindenallee", "Friedrich-Ebert-Straße", "Karl-Marx-Allee",
	"Ölmühlenweg", "Äußere Weberstraße", "Überseering", "Jägerstraße", "Rosa-Luxemburg-Platz",
	"An der Fähre", "Im Gewerbegebiet Süd", "Zur Gießerei", "Industriestraße", "Gutenbergstraße",
	"Robert-Bosch-Straße", "Carl-Zeiss-Straße", "Mühlenweg", "Brückenstraße", "Am Güterbahnhof",
	"Straße des 17. Juni", "Kurfürstendamm", "Schloßstraße", "Zum Bärenzwinger", "Hüttenweg",
	"Große Bleichen", "Lange Reihe", "Pariser Straße", "Dürerstraße", "Zeppelinstraße",
}

// multilineStreets are street values with a line break, some also with a
// separator, so that their fields must be quoted.
var multilineStreets = []string{
	"Hinterhaus\nMarienstraße 5", "Gebäude C, 3. OG\nCarl-Zeiss-Straße 14",
	"c/o Gründerzentrum\nÄußere Weberstraße 20", "Tor 2; Halle 4\nIndustriestraße 8",
}

var companyBranches = []string{
	"Feinmechanik", "Maschinenbau", "Elektrotechnik", "Logistik", "Metallbau", "Kunststofftechnik",
	"Haustechnik", "Druckerei", "Software", "Lebensmittel", "Gießerei", "Präzisionsteile",
	"Möbelwerkstätten", "Brückenbau", "Getränkehandel", "Blechbearbeitung", "Zerspanungstechnik",
	"Systemhaus", "Feinkost", "Sanitär- und Heizungstechnik",
}

// specialCompanyNames contain quotes, accents, the euro sign or leading
// umlauts. A "%s" is replaced by a surname.
var specialCompanyNames = []string{
	`Café "Zum Anker" GmbH`, `Brasserie "Le Petit Café" %s GmbH`, "Crêperie Ça va e. K.",
	"Élan Mode GmbH", "1-€-Markt %s e. K.", "Öko-Markt %s eG", "Übersetzungsbüro %s & Partner",
	"Ärztebedarf %s OHG", "Gasthof „Zum Löwen“ %s KG",
}

// secondLines are values of Name2 for head companies.
var secondLines = []string{
	"Ausbildungswerkstatt", "z. Hd. Personalabteilung", "Backstube – Ausbildung", "Werk II",
	"Zentrale; Personalwesen", `Abteilung "Junge Talente"`,
}

var siteLines = []string{"Niederlassung", "Filiale", "Werk", "Zweigstelle", "Standort"}

var mailboxes = []string{"ausbildung", "info", "personal", "karriere", "kontakt"}

var titles = []string{
	"Dr.", "Dr.-Ing.", "Prof. Dr.", "Dipl.-Ing.", "Dipl.-Kfm.", "Dipl.-Kffr.", "M. Sc.", "B. A.",
	"Dipl.-Ing. (FH)",
}

// namePool holds the names of one group. The latin1 names have only
// characters of Windows-1252. The unicode names contain characters that the
// code page lacks and are used only for UTF-8 packages.
type namePool struct {
	latin1  []string
	unicode []string
}

var femaleNames = namePool{
	latin1: []string{
		"Anna", "Anna-Lena", "Lena", "Zoë", "Chloé", "Léa", "Amélie", "Renée", "Noémie", "Maëlle",
		"Marie-Thérèse", "Mia", "Emma", "Hannah", "Sophie", "Emilia", "Lea", "Jana", "Nele",
		"Merle", "Frauke", "Käthe", "Jördis", "Sünje", "Änne", "Özlem", "Müge", "Gülay", "Zeynep",
		"Fatma", "Elif", "Aleksandra", "Katarzyna", "Inés", "María", "Lucía", "Giulia", "Chiara",
		"Françoise", "Maren", "Wiebke", "Friederike", "Franziska", "Charlotte", "Linh", "Thi Lan",
		"Svetlana",
	},
	unicode: []string{
		"Ayşe", "Büşra", "Małgorzata", "Thị Lan", "Ngọc Anh", "Jiřina", "Ewelina Łucja",
	},
}

var maleNames = namePool{
	latin1: []string{
		"Lukas", "Sören", "Jörg", "Björn", "Jürgen", "Max", "Ben", "Paul", "Jonas", "Leon", "Elias",
		"Noah", "Finn", "Niklas", "Tim", "Matteo", "Can", "Emre", "Mehmet", "Ömer", "Ümit", "Cem",
		"Hakan", "Gökhan", "Bartosz", "Piotr", "José", "André", "René", "Frédéric", "Noël", "Joël",
		"Raphaël", "Jean-Luc", "Karl-Heinz", "Hans-Jürgen", "Günther", "Malte", "Sönke", "Ole",
		"Minh", "Duc", "Tomáš", "Goran", "João", "Luís",
	},
	unicode: []string{"Łukasz", "Çağan", "Đức", "Dũng", "Jiří", "İbrahim"},
}

var unisexNames = namePool{
	latin1: []string{
		"Kim", "Alex", "Robin", "Luca", "Noa", "Maxi", "Charlie", "Sascha", "Toni", "Mika", "Deniz",
	},
}

var surnames = namePool{
	latin1: []string{
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
		"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
		"Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
		"Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Köhler", "Herrmann", "König", "Walter",
		"Huber", "Kaiser", "Fuchs", "Peters", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel",
		"Günther", "Böhm", "Krämer", "Jäger", "Groß", "Strauß", "Voß", "Süß", "Kühn", "Löffler",
		"Dürr", "Förster", "Gärtner", "Çelik", "Öztürk", "Özdemir", "Yilmaz", "Kaya", "Demir",
		"Sahin", "Arslan", "Ünal", "Kowalski", "Nowak", "Lewandowski", "Novák", "Horváth", "Šimek",
		"Nguyen", "Tran", "Pham", "Rossi", "Esposito", "D'Angelo", "D'Amico", "O'Brien", "García",
		"Fernández", "López", "Gonçalves", "Sánchez", "Lévêque", "Dubois",
	},
	unicode: []string{
		"Nguyễn", "Trần", "Phạm", "Yılmaz", "Şahin", "Aydın", "Doğan", "Wiśniewski", "Dvořák",
		"Kovačević", "Dąbrowski",
	},
}

// particleSurnames are surnames with a particle, written as a whole
// because not every particle goes with every name.
var particleSurnames = namePool{
	latin1: []string{
		"von der Heide", "von Bülow", "von dem Bussche", "van der Berg", "van den Boom",
		"de la Cruz", "de la Fuente", "zu Löwenstein", "vom Hofe", "ten Brink", "di Lorenzo",
		"da Silva", "dos Santos", "von Schön",
	},
}

// join returns the latin1 names, and with unicode set the unicode names too.
func (p namePool) join(unicode bool) []string {
	if !unicode || len(p.unicode) == 0 {
		return p.latin1
	}
	return append(append([]string(nil), p.latin1...), p.unicode...)
}
