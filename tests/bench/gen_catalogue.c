/*
** gen_catalogue.c: a synthetic but realistic catalogue for the benchmarks,
** the same one for the same size and seed.
**
**   gen_catalogue [--schema DIR] DB N [SEED]
**       Create or migrate DB (migrations from DIR, default $CARREL_SCHEMA,
**       else ./schema) and add N titles with their authors, sections and
**       copies. The catalogue must be empty, so that the result depends on
**       nothing but N and SEED (default 42).
**
**   gen_catalogue --queries DB COUNT [SEED]
**       Print COUNT catalogue search paths, one a line, for wrk
**       (tests/bench/catalogue.lua): 1-3 words drawn from a sample of DB's
**       titles, so by how often they occur there; a third of them with the
**       last word cut to a 3-5 letter prefix; about a fifth with a filter.
**
** Every row goes in through the real schema, triggers and all, the way an
** import does it (lib/catalogue.c): catalogue_bulk_begin() defers the
** search documents, the rows go in 10,000 titles a transaction, and
** catalogue_bulk_end() has the schema build every document and its FTS5
** entry once, at the end. Only durability is traded for speed
** (synchronous=OFF, a rollback journal in memory); it is a bench database,
** rebuilt whenever it is in doubt.
**
** The data: titles of 1-8 words from ~1,400 English words (Zipf-Mandelbrot
** frequencies: "history", "world", "war", "life" common, a long tail of
** rare words), each section favouring its own topic words; 30% with a
** subtitle; 1-3 authors from a pool of N/5 generated names, reused with a
** Zipf-like skew; 24 sections with their genres; years 1850-2025 skewed
** recent; 95% print with 1-4 copies each (barcodes 39 + 10 digits, mostly
** available), 5% e-books without copies; 90% with a unique ISBN-13 whose
** check digit is valid; popularity mostly 0-5 with a long tail.
**
** Build: cc -std=c11 -D_GNU_SOURCE -O2 -Ilib tests/bench/gen_catalogue.c \
**        lib/db.c lib/arena.c lib/catalogue.c -lsqlite3
*/
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "catalogue.h"
#include "db.h"

#define GEN_BATCH 10000              /* titles per transaction */
#define GEN_SAMPLE 20000             /* titles read back for --queries */
/* Fixed timestamps keep the output reproducible: titles were catalogued
** evenly from 2015-01-01 to 2025-01-01, in id order. */
#define GEN_T0 1420070400LL
#define GEN_T1 1735689600LL

/* ---- pseudo-random numbers: splitmix64, no libm ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n), n > 0. */
static long rng_below(struct rng *r, long n)
{
	return (long)(rng_next(r) % (uint64_t)n);
}

/* Uniform in [lo, hi]. */
static long rng_range(struct rng *r, long lo, long hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* ---- Zipf-Mandelbrot ranks: P(rank k) ~ 1 / (k + q), k from 1 ----
** q flattens the head: with q = 0 the first word of a 1,000-word list
** would be 13% of all draws, with q = 2 it is about 5%. */

struct zipf {
	size_t n;
	double *cdf;
};

static void zipf_init(struct zipf *z, size_t n, double q)
{
	z->n = n;
	z->cdf = malloc(n * sizeof *z->cdf);
	if (!z->cdf)
		abort();
	double sum = 0;
	for (size_t k = 0; k < n; k++) {
		sum += 1.0 / ((double)k + 1 + q);
		z->cdf[k] = sum;
	}
	for (size_t k = 0; k < n; k++)
		z->cdf[k] /= sum;
}

/* A rank in [0, n). */
static size_t zipf_draw(const struct zipf *z, struct rng *r)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = z->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void zipf_free(struct zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
}

/* ---- vocabulary, most frequent first ---- */

static const char gen_noun_text[] =
	/* the head: the words catalogues are full of */
	"history world war life art science guide introduction story love time "
	"house city women children man family nature power music garden death "
	"night sea light home water earth mind body heart road king secret "
	"journey empire revolution health language culture society theory "
	"practice poems letters tales essays handbook companion principles "
	"memory dream island river mountain country land school business "
	"management economy money work education government law religion "
	"faith philosophy psychology medicine design architecture painting "
	"photography film theatre poetry fiction drama dance food cooking "
	"travel adventure mystery murder crime child girl boy mother father "
	"daughter son brother sister friends wife lady queen prince soldier "
	"doctor artist stranger shadow fire wind rain snow storm sun moon stars "
	"sky ocean valley village town street bridge tower castle palace door "
	"window room letter words voice songs silence truth beauty freedom "
	"justice peace hope fear battle victory army ship train machine "
	"computer data software networks systems information knowledge "
	"wisdom reason mathematics physics chemistry biology evolution "
	"universe space planet energy climate environment animals birds dogs "
	"cats horses trees flowers plants people nation republic democracy "
	"rights class race gender identity media technology industry trade "
	"market capital finance marketing leadership strategy innovation "
	"development growth change crisis conflict security terror violence "
	"memoir diary portrait years days century age future past present "
	"origins beginning end return legacy heritage tradition myth legend "
	"magic gods spirit soul ghost ghosts blood bones stone iron gold "
	"silver glass paper book books library reader writing writers "
	"reading method methods studies study research analysis problems "
	"solutions questions answers ideas thought thinking mind brain "
	"behaviour development childhood youth marriage friendship loss grief "
	"happiness kindness courage honour glory pride shame desire passion "
	"longing exile escape flight fall rise death dying healing care "
	"nursing surgery anatomy disease cancer nutrition diet fitness yoga "
	"sleep stress anxiety depression therapy counselling parenting babies "
	"teenagers ageing retirement wealth poverty work workers labour jobs "
	"careers cities suburbs neighbours community migration borders maps "
	"atlas dictionary encyclopedia grammar vocabulary conversation "
	"translation words letters numbers statistics probability algebra "
	"geometry calculus logic algorithms programming code networks "
	"databases internet web computing robots intelligence engineering "
	"electricity electronics mechanics motors cars railways aircraft "
	"flight rockets stars galaxies cosmos atoms particles quantum "
	"relativity gravity time light colour sound waves heat weather "
	"seasons spring summer autumn winter harvest farming agriculture "
	"soil rivers lakes islands coasts deserts forests jungles mountains "
	"wildlife insects butterflies whales wolves bears lions tigers "
	"elephants horses cattle sheep fish fishing hunting sailing "
	"climbing walking cycling running football cricket tennis golf chess "
	"games puzzles crafts knitting sewing quilting pottery woodwork "
	"carpentry building houses homes interiors furniture gardens "
	"roses vegetables herbs fruit bread cakes baking wine beer coffee "
	"tea chocolate kitchen recipes meals feasts dinner breakfast "
	"sculpture drawing prints sketches colour cathedral churches temples "
	"monasteries saints prophets sermons prayers bible gospel scripture "
	"ethics morality virtue justice liberty equality reform socialism "
	"capitalism communism fascism nationalism imperialism colonialism "
	"independence slavery abolition resistance rebellion uprising "
	"invasion occupation siege campaign conquest crusade dynasty "
	"emperor pharaoh tsar sultan chiefs knights pirates explorers "
	"pilgrims settlers pioneers merchants sailors spies detectives "
	"lawyers judges courts trials prisons police crimes criminals "
	"justice constitution parliament elections parties presidents "
	"ministers diplomacy treaties alliances nations states territories "
	"frontier wilderness paradise utopia apocalypse catastrophe disaster "
	"plague pandemic famine flood earthquake volcano fire ashes ruins "
	"archaeology fossils dinosaurs ancestors tribes villages kingdoms "
	"empires civilizations cultures languages dialects voices stories "
	"narratives novels plays sonnets verses ballads hymns operas "
	"symphony orchestra jazz blues rock folk songs singers musicians "
	"composers piano violin guitar instruments rhythm harmony melody "
	"cinema movies television radio newspapers journalism propaganda "
	"advertising design typography fashion clothing textiles costume "
	"jewellery beauty style taste manners etiquette society gentleman "
	"servants masters households estates manor cottage farmhouse barn "
	"orchard meadow hedgerow woodland moorland marsh shore harbour "
	"lighthouse voyage voyages expedition discovery discoveries "
	"inventions inventors scientists engineers architects philosophers "
	"poets painters saints heroes villains monsters dragons giants "
	"witches wizards fairies elves angels demons vampires zombies aliens "
	"spaceships robots androids cyborgs empire galaxy starship colony "
	"colonies outpost station signal message code cipher puzzle riddle "
	"clue clues evidence witness alibi suspect victim detective inspector "
	"agent mission operation conspiracy betrayal revenge ransom heist "
	"chase hunt trap escape rescue survival wilderness storm shipwreck "
	"castaway orphan orphans twins cousins uncle aunt grandmother "
	"grandfather widow bride groom wedding funeral christmas holiday "
	"holidays birthday party summer picnic beach seaside cottage "
	"keeper gardener shepherd miller baker butcher blacksmith weaver "
	"tailor carpenter fisherman hunter farmer innkeeper clerk governess "
	"nurse midwife surgeon physician apothecary alchemist astronomer "
	"navigator cartographer collector curator librarian scholar student "
	"teacher professor pupil apprentice master mistress servant slave "
	"prisoner captive hostage refugee exile wanderer traveller pilgrim "
	"nomad gypsy outlaw rebel hero heroine lover lovers rivals enemies "
	"allies companions neighbours strangers ghosts shadows echoes whispers "
	"rumours secrets lies promises vows oaths curses blessings miracles "
	"wonders marvels curiosities mysteries puzzles enigmas paradoxes "
	"fragments pieces parts elements foundations essentials basics "
	"fundamentals concepts perspectives approaches frameworks models "
	"patterns structures processes mechanisms dynamics forces fields "
	"boundaries limits edges margins horizons landscapes seascapes "
	"skylines rooftops streets alleys squares markets bazaars ports "
	"canals bridges tunnels roads highways railways stations airports "
	"hotels inns taverns pubs cafes restaurants theatres museums galleries "
	"libraries archives collections catalogues inventories records "
	"chronicles annals sagas epics odes elegies lullabies rhymes riddles "
	"proverbs sayings quotations aphorisms maxims lectures sermons "
	"speeches dialogues conversations interviews correspondence "
	"journals notebooks sketchbooks scrapbooks albums photographs "
	"pictures images visions illusions reflections mirrors windows "
	"doors gates walls fences hedges gardens courtyards cloisters "
	"chapels abbeys priories convents hermitage sanctuary refuge haven "
	"shelter nest burrow hive den lair cave caves cavern grotto spring "
	"fountain well waterfall cascade rapids torrent tide tides currents "
	"waves foam salt sand dunes cliffs rocks pebbles shells coral reef "
	"lagoon archipelago peninsula cape bay gulf strait channel sound "
	"estuary delta basin plateau plain prairie steppe tundra taiga glacier "
	"iceberg avalanche blizzard hurricane typhoon tornado thunder "
	"lightning rainbow mist fog dew frost hail sleet drought monsoon "
	"sunrise sunset dawn dusk twilight midnight noon morning evening "
	"afternoon weekend fortnight decade millennium eternity infinity "
	"zero nothing everything something anything nobody everybody "
	"somebody anybody elsewhere nowhere somewhere anywhere everywhere "
	/* a tail of rarer words */
	"abacus accordion acrobat albatross alchemy almanac amber anchor "
	"anemone antelope anthem apricot aqueduct arbour archipelagos armada "
	"armour artichoke asparagus asylum aurora avalanche awning badger "
	"bagpipes balcony ballerina bamboo banjo banquet baroque barricade "
	"basilisk bassoon battalion beacon bellows belfry bestiary bicycle "
	"biscuit bishop blackbird blossom bluebell bonfire boulevard bramble "
	"brigade brocade buccaneer bulldog bungalow burglar buttercup cabaret "
	"cactus caliph camellia canary candlestick canopy caravan cardinal "
	"carnival carousel casket catacombs caterpillar cauldron cavalry "
	"cellar cello centaur chameleon chandelier chariot cherub chimney "
	"chrysalis cinnamon citadel clarinet clockwork cobblestone cockatoo "
	"comet compass conch constellation copper cormorant corridor cosmonaut "
	"cottonwood coyote cricket crocodile crossroads crow crystal cuckoo "
	"cupola cypress daffodil dahlia damsel dandelion dervish dirigible "
	"dolphin dormouse dovecote dragonfly drawbridge driftwood dromedary "
	"dulcimer dungeon eagle ebony eclipse eiderdown elderberry embassy "
	"ember emerald equinox ermine falcon fandango ferryman fiddle "
	"firefly fjord flamingo flotilla foxglove frigate gallows gargoyle "
	"gazelle gecko geranium gingerbread glacier gondola gooseberry "
	"gramophone granary grasshopper greenhouse griffin guillotine "
	"gunpowder hacienda halcyon hammock harpsichord hawthorn hedgehog "
	"heliotrope hemlock heron hibiscus hippodrome honeycomb hourglass "
	"hummingbird hyacinth ibis iguana inkwell ivory jackal jaguar jasmine "
	"jester juniper kaleidoscope kestrel kingfisher kite labyrinth "
	"lacquer lantern larkspur lavender lemonade leopard lilac locomotive "
	"loom lotus lute lynx magnolia magpie mahogany mandolin mangrove "
	"marigold marionette marmalade masquerade mausoleum meadowlark "
	"menagerie mermaid meteor metronome minaret minotaur mistletoe "
	"monsoon mosaic moth mulberry nightingale nightshade oasis obelisk "
	"observatory octopus opal orchid origami osprey otter owl oyster "
	"pagoda palanquin pangolin panther papyrus parasol parchment parrot "
	"pavilion peacock pearl pelican pendulum penguin peppermint periscope "
	"pheasant phoenix piccolo pinecone planetarium platypus plum "
	"pomegranate poppy porcupine porcelain primrose puffin quail quarry "
	"quill quince raven rosemary rowan ruby saffron salamander sandalwood "
	"sapphire sarcophagus scarab scarecrow schooner scorpion seahorse "
	"semaphore sextant shipwright silkworm skylark snowdrop sparrow "
	"sphinx spindle squirrel stagecoach starling submarine sundial "
	"swallow sycamore tambourine tapestry telescope thimble thistle "
	"thrush tortoise toucan trapeze trebuchet trombone trumpet tulip "
	"turquoise typewriter unicorn urchin velvet viaduct violet vulture "
	"walrus wardrobe weathervane willow windmill wisteria woodpecker "
	"wren yew zeppelin zither";

static const char gen_adjective_text[] =
	"new modern american complete british english great little young old "
	"short last first french ancient early global social political human "
	"natural practical essential secret hidden lost dark black white red "
	"green blue golden silent wild strange beautiful brief concise "
	"illustrated critical comparative digital applied advanced basic "
	"contemporary classical medieval victorian european african asian "
	"chinese japanese indian russian german italian spanish irish "
	"scottish welsh roman greek jewish christian islamic northern southern "
	"western eastern international national local rural urban public "
	"private personal economic cultural historical scientific medical "
	"moral sacred simple perfect real true final long deep high broken "
	"burning cold warm quiet open free happy sad dangerous invisible "
	"impossible unexpected unfinished forgotten endless eternal golden "
	"royal imperial holy divine wicked innocent gentle brave bold proud "
	"lonely distant hungry restless curious clever wise foolish mad "
	"sweet bitter wonderful terrible glorious humble noble savage "
	"civil military naval industrial colonial postwar revolutionary "
	"radical liberal conservative democratic federal tropical arctic "
	"coastal alpine desert urban rural pastoral literary poetic musical "
	"visual theoretical experimental empirical philosophical spiritual "
	"emotional sexual physical mental natural artificial mechanical "
	"electric electronic atomic nuclear solar lunar planetary cosmic "
	"invisible silver crimson scarlet amber emerald violet purple grey "
	"yellow pale bright shining dancing singing sleeping waking dying "
	"living rising falling burning frozen drowned buried shattered "
	"wandering missing vanishing forbidden dangerous fatal deadly "
	"perfect ordinary extraordinary remarkable curious peculiar odd "
	"twisted tangled crooked narrow wide vast tiny giant ancient "
	"primitive sophisticated elegant graceful ugly grand magnificent "
	"splendid humble modest quiet noisy wild tame feral hollow solid "
	"liquid fragile tender fierce furious calm stormy misty foggy rainy "
	"snowy sunny windy starry moonlit midnight winter summer autumn "
	"spring northern victorian edwardian georgian elizabethan tudor "
	"byzantine ottoman persian egyptian babylonian celtic norse viking "
	"saxon norman gothic renaissance baroque romantic modernist "
	"postmodern socialist capitalist feminist queer global sustainable "
	"green organic wholesome vegetarian vegan healthy mindful resilient "
	"effective successful profitable strategic agile lean smart creative "
	"innovative essential ultimate definitive authoritative unofficial "
	"alternative radical hidden untold unknown secret true real";

static const char gen_place_text[] =
	"America England France Britain Europe China India Japan Africa Russia "
	"Germany Italy Spain Ireland Scotland Wales London Paris Rome Venice "
	"Athens Berlin Vienna Moscow Egypt Greece Mexico Canada Australia "
	"Brazil Persia Arabia Jerusalem Istanbul Constantinople Byzantium "
	"Babylon Troy Carthage Asia Siberia Tibet Kyoto Tokyo Shanghai Peking "
	"Delhi Bombay Calcutta Cairo Alexandria Baghdad Damascus Lisbon Madrid "
	"Barcelona Amsterdam Prague Warsaw Budapest Dublin Edinburgh Oxford "
	"Cambridge Manchester Yorkshire Cornwall Wessex Normandy Provence "
	"Tuscany Sicily Andalusia Bavaria Prussia Flanders Holland Scandinavia "
	"Iceland Greenland Norway Sweden Denmark Finland Poland Hungary Bohemia "
	"Balkans Caribbean Cuba Jamaica Haiti Peru Chile Argentina Patagonia "
	"Amazon Andes Himalaya Sahara Congo Nile Mississippi Texas California "
	"Virginia Boston Chicago Manhattan Brooklyn Harlem Hollywood Alaska "
	"Hawaii Pacific Atlantic Mediterranean Arctic Antarctica Korea Vietnam "
	"Burma Siam Java Borneo Ceylon Kenya Nigeria Ghana Ethiopia Zanzibar "
	"Mars Zürich Québec Córdoba Kraków Montréal Bogotá Sevilla Málaga";

/* Words that carry no meaning alone; --queries never asks for them. */
static const char *const gen_stopwords[] = {
	"a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on",
	"or", "s", "the", "to", "with", NULL
};

static const char *const gen_function_words[] = {
	"the", "of", "and", "in", "a", "to", "with", "for", "from", "on",
	"the", "of", "and", "the", "its", "their", "an", "between", "after",
};

/* ---- sections, genres, people ---- */

struct gen_section {
	const char *name;
	const char *code;       /* shelf-mark prefix */
	int weight;             /* share of the catalogue */
	const char *genres;     /* '|'-separated, most common first */
	const char *topics;     /* words its titles favour */
};

static const struct gen_section gen_sections[] = {
	{ "Fiction", "FIC", 30,
	  "Literary fiction|Crime|Thriller|Romance|Historical fiction|Science fiction|Fantasy|Short stories|Horror",
	  "murder night love house summer secret daughter river island city "
	  "shadow stranger widow lovers girl sister garden wife killing" },
	{ "Children", "JUV", 9, "Picture book|Early readers|Fairy tales|Adventure|Animal stories",
	  "bear dragon rabbit friends school monster princess dog cat moon "
	  "adventure pirates bedtime giant mouse" },
	{ "Young Adult", "YA", 4, "Fantasy|Dystopian|Romance|Coming of age",
	  "academy rebels chosen curse queen shadow crown kingdom bones fire" },
	{ "History", "HIS", 8,
	  "World history|Military history|Ancient history|Local history|Social history",
	  "war empire revolution century kings ancient medieval battle republic "
	  "civilization dynasty conquest history" },
	{ "Biography", "BIO", 5, "Biography|Memoir|Letters|Diaries",
	  "life letters memoir diary portrait years journey childhood" },
	{ "Science", "SCI", 5, "Physics|Biology|Chemistry|Astronomy|Popular science",
	  "physics universe evolution energy quantum cell genes stars matter "
	  "light science atoms" },
	{ "Mathematics", "MAT", 2, "Textbook|Algebra|Statistics|Geometry",
	  "mathematics algebra calculus geometry statistics probability "
	  "numbers equations proofs" },
	{ "Computing", "COM", 3, "Programming|Databases|Networks|Software engineering",
	  "programming data software computer algorithms systems networks "
	  "code design security python linux web" },
	{ "Medicine and Health", "MED", 3, "Health|Medicine|Nursing|Diet and fitness",
	  "health medicine diet body mind nursing anatomy disease healing "
	  "sleep fitness" },
	{ "Philosophy", "PHI", 2, "Philosophy|Ethics|Logic",
	  "philosophy ethics mind reason truth being existence logic virtue "
	  "knowledge" },
	{ "Religion", "REL", 2, "Christianity|Religion|Spirituality",
	  "god faith church bible prayer gospel saints spirit religion" },
	{ "Social Sciences", "SOC", 3, "Sociology|Anthropology|Education|Psychology",
	  "society class gender race education psychology behaviour community "
	  "culture" },
	{ "Politics", "POL", 2, "Politics|International relations|Current affairs",
	  "politics power democracy state government nation elections freedom "
	  "rights" },
	{ "Economics and Business", "ECO", 3, "Business|Economics|Management|Finance",
	  "business economics management money markets finance leadership "
	  "strategy capital trade" },
	{ "Law", "LAW", 1, "Law|Legal practice",
	  "law rights courts justice contract crime evidence constitution" },
	{ "Art and Architecture", "ART", 3, "Art|Architecture|Photography|Design",
	  "art painting design architecture photography sculpture drawing "
	  "artists colour" },
	{ "Music", "MUS", 2, "Music|Musicians|Scores",
	  "music songs jazz opera piano guitar composers symphony" },
	{ "Poetry and Drama", "POE", 2, "Poetry|Drama|Plays",
	  "poems songs verses plays sonnets collected selected ballads" },
	{ "Travel and Geography", "TRA", 3, "Travel|Guidebook|Geography|Maps",
	  "travel journey guide road walking islands coast mountains maps" },
	{ "Cookery", "COO", 3, "Cookery|Baking|Vegetarian|Drinks",
	  "cooking kitchen recipes food baking bread cakes vegetables wine "
	  "café meals" },
	{ "Nature and Gardening", "NAT", 2, "Natural history|Gardening|Pets",
	  "garden birds nature trees flowers wildlife plants gardening "
	  "seasons" },
	{ "Sport and Leisure", "SPO", 2, "Sport|Games|Crafts|Hobbies",
	  "football cricket running cycling games chess knitting crafts golf" },
	{ "Languages", "LAN", 1, "Language learning|Dictionaries|Grammar",
	  "french spanish german english grammar dictionary conversation "
	  "language words" },
	{ "Reference", "REF", 1, "Reference|Encyclopedias|Atlases",
	  "dictionary encyclopedia atlas handbook guide companion almanac" },
};
#define GEN_NSECTIONS ((int)(sizeof gen_sections / sizeof gen_sections[0]))

static const char gen_first_text[] =
	"James Mary John Patricia Robert Jennifer Michael Linda William "
	"Elizabeth David Barbara Richard Susan Joseph Jessica Thomas Sarah "
	"Charles Karen Christopher Nancy Daniel Margaret Matthew Lisa Anthony "
	"Betty Mark Dorothy Donald Sandra Steven Ashley Paul Kimberly Andrew "
	"Emily Joshua Donna Kenneth Michelle Kevin Carol Brian Amanda George "
	"Melissa Edward Deborah Ronald Stephanie Timothy Rebecca Jason Laura "
	"Jeffrey Helen Ryan Sharon Jacob Cynthia Gary Kathleen Nicholas Amy "
	"Eric Shirley Stephen Angela Jonathan Anna Larry Ruth Justin Brenda "
	"Scott Pamela Frank Nicole Benjamin Katherine Samuel Virginia Gregory "
	"Catherine Alexander Christine Patrick Samantha Raymond Debra Jack "
	"Rachel Dennis Carolyn Jerry Janet Tyler Maria Aaron Heather Henry "
	"Diane Douglas Julie Peter Joyce Adam Victoria Nathan Kelly Zachary "
	"Christina Walter Joan Kyle Evelyn Harold Lauren Carl Judith Arthur "
	"Olivia Gerald Frances Roger Martha Keith Cheryl Jeremy Megan Lawrence "
	"Andrea Sean Hannah Christian Jacqueline Albert Ann Joe Jean Ethan "
	"Alice Austin Kathryn Jesse Gloria Willie Teresa Billy Doris Bryan "
	"Sara Bruce Janice Jordan Julia Ralph Marie Roy Madison Noah Grace "
	"Dylan Judy Eugene Theresa Wayne Beverly Alan Denise Juan Marilyn "
	"Louis Amber Russell Danielle Gabriel Rose Randy Brittany Philip "
	"Diana Harry Abigail Vincent Natalie Bobby Jane Johnny Lori Logan "
	"Alexis Hiroshi Yuki Haruki Akiko Kenji Mei Wei Li Jian Xiu Ying "
	"Chen Priya Arjun Anil Sunita Rahul Deepa Vikram Lakshmi Ravi Aisha "
	"Omar Fatima Ahmed Layla Yusuf Zainab Hassan Mariam Tariq Chinua "
	"Ngozi Kwame Amara Chidi Adaeze Oluwaseun Wanjiru Kofi Thabo Nomvula "
	"José María Juan Carmen Luis Ana Carlos Lucía Miguel Sofía Pablo "
	"Isabel Javier Elena François Amélie Jean Hélène Pierre Margaux Luc "
	"Chloé Hans Greta Klaus Ingrid Jürgen Anneliese Lars Astrid Sven "
	"Freya Olaf Sigrid Ivan Olga Dmitri Natalia Sergei Svetlana Mikhail "
	"Tatiana Giovanni Giulia Marco Francesca Luca Chiara Paolo Alessandra "
	"Seamus Siobhan Niamh Ciaran Aoife Eamon Mairead Rhys Gwen Dafydd "
	"Zoë Søren Bjørn Agnieszka Krzysztof Małgorzata Tomasz Zsófia Dóra";

static const char gen_last_text[] =
	"Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez "
	"Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore "
	"Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez "
	"Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
	"Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
	"Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
	"Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz "
	"Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
	"Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz "
	"Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster "
	"Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
	"Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan "
	"Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno "
	"West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
	"Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald "
	"Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
	"Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez "
	"Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner "
	"Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
	"Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan "
	"Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez "
	"Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan "
	"Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado "
	"Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras "
	"Willis Carpenter Lawrence Sandoval Tanaka Suzuki Takahashi Watanabe "
	"Yamamoto Nakamura Kobayashi Sato Ito Kato Wang Zhang Liu Yang Huang "
	"Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Sharma Singh Kumar Gupta Mehta "
	"Iyer Reddy Chatterjee Banerjee Desai Nair Rao Khan Hussein Ali Ahmed "
	"Rahman Haddad Nasser Farouk Mansour Okafor Adeyemi Mensah Okonkwo "
	"Achebe Abara Nwosu Mwangi Otieno Dlamini Ndlovu Mbeki Boateng Asante "
	"Dubois Lefèvre Moreau Laurent Girard Bonnet Dupont Lambert Fontaine "
	"Rousseau Müller Schneider Fischer Weber Becker Schulz Koch Richter "
	"Wolf Schröder Neumann Schwarz Zimmermann Braun Hofmann Krüger "
	"Hartmann Lange Werner Krause Lehmann Köhler Rossi Russo Ferrari "
	"Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti "
	"Costa Giordano Mancini Lombardi Moretti Ivanov Smirnov Kuznetsov "
	"Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov "
	"Volkov Kowalski Nowak Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski "
	"Novák Dvořák Horváth Nagy Szabó Tóth Kovács Varga Andersson "
	"Johansson Karlsson Nilsson Eriksson Larsson Olsen Hansen Jensen "
	"Nielsen Pedersen Kristensen Virtanen Korhonen Mäkinen O'Brien "
	"O'Connor O'Sullivan Byrne Walsh McCarthy Doyle Gallagher Quinn "
	"MacLeod Campbell Stewart Fraser Morrison Ó_Ceallaigh Llewellyn "
	"Pritchard Vaughan Jenkins Rees Morgan Lloyd Bevan Da_Silva Pereira "
	"Oliveira Souza Rodrigues Almeida Carvalho Gomes Martins Araújo "
	"Kaplan Cohen Levy Friedman Katz Shapiro Goldberg Rosenberg Weiss";

static const char *const gen_publishers[] = {
	"Penguin", "Oxford University Press", "Vintage", "HarperCollins",
	"Cambridge University Press", "Random House", "Macmillan", "Routledge",
	"Faber & Faber", "Bloomsbury", "Picador", "Hachette", "Simon & Schuster",
	"W. W. Norton", "Wiley", "Springer", "Pearson", "Scholastic",
	"Yale University Press", "Princeton University Press", "The MIT Press",
	"Chatto & Windus", "Jonathan Cape", "Allen Lane", "Verso", "Granta",
	"Walker Books", "Usborne", "Dorling Kindersley", "Lonely Planet",
	"Thames & Hudson", "Phaidon", "O'Reilly Media", "No Starch Press",
	"Heinemann", "Methuen", "Chronicle Books", "Gallimard", "Suhrkamp",
	"Einaudi", "Anagrama", "Carrel Press",
};
#define GEN_NPUBLISHERS ((int)(sizeof gen_publishers / sizeof gen_publishers[0]))

static const char *const gen_vendors[] = {
	"Gardners", "Bertrams", "Askews", "Peters", "Blackwell's", "Waterstones",
	"Donation", "Publisher direct",
};

/* Status of a copy on the shelf or off it, with its share in thousandths. */
static const struct {
	const char *status;
	int per_mille;
} gen_statuses[] = {
	{ "available", 800 }, { "on-loan", 150 }, { "on-hold-shelf", 15 },
	{ "in-repair", 10 }, { "damaged", 8 }, { "lost", 10 }, { "withdrawn", 7 },
};

static const struct {
	const char *code;
	int per_mille;
} gen_languages[] = {
	{ "en", 880 }, { "fr", 30 }, { "de", 20 }, { "es", 20 }, { "it", 10 },
	{ "ru", 8 }, { "zh", 8 }, { "ja", 6 }, { "pt", 6 }, { "nl", 5 },
	{ "la", 4 }, { "pl", 3 },
};

/* Title and subtitle shapes: %n a noun (often one the section favours),
** %a an adjective, %p a place; the rest is literal. */
struct gen_pattern {
	int weight;
	const char *text;
};

static const struct gen_pattern gen_title_patterns[] = {
	{ 6, "%n" }, { 10, "%a %n" }, { 5, "The %n" }, { 9, "The %a %n" },
	{ 9, "The %n of %n" }, { 3, "The %n of the %a %n" }, { 7, "%n and %n" },
	{ 3, "%a %n and %a %n" }, { 4, "The %n and the %n" },
	{ 4, "A History of %n" }, { 2, "A History of %a %n" },
	{ 2, "A Short History of %n" }, { 3, "An Introduction to %n" },
	{ 2, "An Introduction to %a %n" }, { 3, "%n in the %a %n" },
	{ 4, "%n of %p" }, { 3, "The %a %n of %p" }, { 2, "%n in %p" },
	{ 3, "The %n %n" }, { 3, "%n %n" }, { 2, "The Complete Guide to %n" },
	{ 2, "A Guide to %a %n" }, { 2, "%n for Beginners" }, { 2, "The Art of %n" },
	{ 2, "The Science of %n" }, { 1, "The World of %n" }, { 2, "Life and %n" },
	{ 1, "War and %n" }, { 1, "%n, %n and %n" }, { 2, "A %a %n" },
	{ 1, "Understanding %n" }, { 1, "The New %n" }, { 1, "The %n Handbook" },
	{ 2, "The %n's %n" }, { 1, "Notes on %a %n" }, { 1, "The Last %n of %p" },
	{ 1, "A %n in %p" }, { 1, "Modern %n" }, { 1, "American %n" },
	{ 1, "The %a %n of the %a %n" },
};

static const struct gen_pattern gen_subtitle_patterns[] = {
	{ 6, "A %a %n" }, { 4, "A Novel" }, { 4, "%n and %n in %p" },
	{ 4, "The %n of %n" }, { 3, "A %n of the %a %n" }, { 3, "%a %n from %p" },
	{ 3, "An Introduction" }, { 2, "A Memoir" }, { 2, "Selected Poems" },
	{ 3, "A History" }, { 2, "A Practical Guide" }, { 2, "%n, %n and the %a %n" },
	{ 2, "The %a %n" }, { 1, "Essays on %n" }, { 1, "Stories" },
};

/* ---- word lists ---- */

struct gen_words {
	char **w;
	size_t n;
};

/* Split a list into words at any of sep, each word once; the list is
** copied and kept. In a word, '_' stands for a space ("Da_Silva"). */
static void gen_words_split(struct gen_words *out, const char *text,
	const char *sep)
{
	char *copy = strdup(text);
	if (!copy)
		abort();
	size_t cap = 64;
	out->w = malloc(cap * sizeof *out->w);
	out->n = 0;
	for (char *save = NULL, *t = strtok_r(copy, sep, &save); t;
	     t = strtok_r(NULL, sep, &save)) {
		if (out->n == cap) {
			cap *= 2;
			out->w = realloc(out->w, cap * sizeof *out->w);
		}
		if (!out->w)
			abort();
		for (char *p = t; *p; p++)
			if (*p == '_')
				*p = ' ';
		bool seen = false;
		for (size_t i = 0; i < out->n && !seen; i++)
			seen = !strcmp(out->w[i], t);
		if (!seen)
			out->w[out->n++] = t;
	}
}

/* ---- the generator's state ---- */

struct gen {
	struct db db;
	struct rng rng;
	long n;                       /* titles to make */
	uint64_t seed;

	struct gen_words nouns, adjectives, places, firsts, lasts;
	struct gen_words topics[GEN_NSECTIONS];
	struct gen_words genres[GEN_NSECTIONS];
	struct zipf noun_z, adj_z, place_z, author_z, genre_z[GEN_NSECTIONS];
	int section_total;
	int title_total, subtitle_total;

	long pool;                    /* authors who may appear */
	long long *author_id;         /* per pool slot; 0 until first used */
	long long authors, copies, ebooks, isbns;
	struct buf text;              /* scratch */
};

/* The pool slot's name, the same for the same slot and seed: every first
** and last name pair once (in a seeded scrambled order), then the same
** pairs with a middle initial. */
static void gen_author_name(struct gen *g, long slot, struct buf *out)
{
	uint64_t nf = g->firsts.n, nl = g->lasts.n, pairs = nf * nl;
	uint64_t i = (uint64_t)slot, space = pairs, initial = 0;
	if (i >= pairs) {
		i -= pairs;
		space = pairs * 26;
	}
	/* i -> (i * step + seed) mod space is a bijection when step is
	** coprime to space; start from a large prime and make sure. */
	uint64_t step = 2654435761ULL % space;
	for (;;) {
		uint64_t a = step, b = space;
		while (b) {
			uint64_t t = a % b;
			a = b;
			b = t;
		}
		if (a == 1)
			break;
		step++;
	}
	uint64_t j = (uint64_t)(((unsigned __int128)i * step + g->seed) % space);
	if (space != pairs) {
		initial = 1 + j / pairs;
		j %= pairs;
	}
	buf_clear(out);
	buf_puts(out, g->firsts.w[j % nf]);
	if (initial)
		buf_printf(out, " %c.", (char)('A' + initial - 1));
	buf_putc(out, ' ');
	buf_puts(out, g->lasts.w[j / nf]);
}

static void gen_fail(struct gen *g, const char *what)
{
	fprintf(stderr, "gen_catalogue: %s: %s\n", what, db_errmsg(&g->db));
	db_rollback(&g->db);
	db_close(&g->db);
	exit(1);
}

/* A pool author's id, inserting the author on first use. */
static long long gen_author(struct gen *g, long slot)
{
	if (g->author_id[slot])
		return g->author_id[slot];
	gen_author_name(g, slot, &g->text);
	if (db_exec(&g->db, "INSERT INTO author(name) VALUES (?)", "t",
		buf_str(&g->text)) != SQLITE_OK)
		gen_fail(g, "author");
	g->authors++;
	return g->author_id[slot] = db_last_id(&g->db);
}

static int gen_pick_section(struct gen *g)
{
	long r = rng_below(&g->rng, g->section_total);
	for (int i = 0; i < GEN_NSECTIONS; i++) {
		r -= gen_sections[i].weight;
		if (r < 0)
			return i;
	}
	return 0;
}

static const struct gen_pattern *gen_pick_pattern(struct gen *g,
	const struct gen_pattern *p, size_t n, int total)
{
	long r = rng_below(&g->rng, total);
	for (size_t i = 0; i < n; i++) {
		r -= p[i].weight;
		if (r < 0)
			return &p[i];
	}
	return &p[0];
}

static const char *gen_noun(struct gen *g, int section)
{
	const struct gen_words *t = &g->topics[section];
	if (t->n && rng_chance(&g->rng, 0.35))
		return t->w[rng_below(&g->rng, (long)t->n)];
	return g->nouns.w[zipf_draw(&g->noun_z, &g->rng)];
}

/* Append word with its first letter capitalised (ASCII letters only). */
static void gen_put_capitalised(struct buf *out, const char *word)
{
	buf_putc(out, (char)toupper((unsigned char)word[0]));
	buf_puts(out, word + 1);
}

/* Fill a pattern into out: title case. */
static void gen_fill(struct gen *g, const char *pattern, int section,
	struct buf *out)
{
	buf_clear(out);
	for (const char *p = pattern; *p; p++) {
		if (*p != '%') {
			buf_putc(out, *p);
			continue;
		}
		p++;
		if (*p == 'n')
			gen_put_capitalised(out, gen_noun(g, section));
		else if (*p == 'a')
			gen_put_capitalised(out,
				g->adjectives.w[zipf_draw(&g->adj_z, &g->rng)]);
		else
			buf_puts(out, g->places.w[zipf_draw(&g->place_z, &g->rng)]);
	}
}

/* A description of 10-30 words: mostly the vocabulary, some glue. */
static void gen_description(struct gen *g, int section, struct buf *out)
{
	buf_clear(out);
	long n = rng_range(&g->rng, 10, 30);
	const size_t nfunc = sizeof gen_function_words / sizeof gen_function_words[0];
	for (long i = 0; i < n; i++) {
		const char *w;
		double u = rng_unit(&g->rng);
		if (u < 0.3)
			w = gen_function_words[rng_below(&g->rng, (long)nfunc)];
		else if (u < 0.8)
			w = gen_noun(g, section);
		else if (u < 0.95)
			w = g->adjectives.w[zipf_draw(&g->adj_z, &g->rng)];
		else
			w = g->places.w[zipf_draw(&g->place_z, &g->rng)];
		if (i)
			buf_putc(out, ' ');
		if (i == 0)
			gen_put_capitalised(out, w);
		else
			buf_puts(out, w);
		if (i + 1 < n && i > 4 && rng_chance(&g->rng, 0.06))
			buf_putc(out, ',');
	}
	buf_putc(out, '.');
}

/* The ISBN-13 of the k-th title that has one: distinct for distinct k
** below 10^9, with a valid check digit. */
static void gen_isbn(struct gen *g, long long k, char out[14])
{
	unsigned long long body =
		((unsigned long long)k * 387420489ULL + g->seed) % 1000000000ULL;
	snprintf(out, 14, "%s%09llu", rng_chance(&g->rng, 0.08) ? "979" : "978", body);
	int sum = 0;
	for (int i = 0; i < 12; i++)
		sum += (out[i] - '0') * (i % 2 ? 3 : 1);
	out[12] = (char)('0' + (10 - sum % 10) % 10);
	out[13] = '\0';
}

static long gen_popularity(struct gen *g)
{
	double u = rng_unit(&g->rng);
	if (u < 0.55)
		return 0;
	if (u < 0.85)
		return rng_range(&g->rng, 1, 5);
	if (u < 0.97)
		return rng_range(&g->rng, 6, 30);
	if (u < 0.995)
		return rng_range(&g->rng, 31, 300);
	return 301 + rng_below(&g->rng, rng_below(&g->rng, 5000) + 1);
}

static const char *gen_language(struct gen *g)
{
	long r = rng_below(&g->rng, 1000);
	for (size_t i = 0; i < sizeof gen_languages / sizeof gen_languages[0]; i++) {
		r -= gen_languages[i].per_mille;
		if (r < 0)
			return gen_languages[i].code;
	}
	return "en";
}

static const char *gen_status(struct gen *g)
{
	long r = rng_below(&g->rng, 1000);
	for (size_t i = 0; i < sizeof gen_statuses / sizeof gen_statuses[0]; i++) {
		r -= gen_statuses[i].per_mille;
		if (r < 0)
			return gen_statuses[i].status;
	}
	return "available";
}

/* Shelf mark: section code and the first three ASCII letters of the first
** author's surname, upper case ("HIS SMI"). */
static void gen_shelf_mark(const char *code, const char *author, char out[16])
{
	const char *last = strrchr(author, ' ');
	last = last ? last + 1 : author;
	int n = snprintf(out, 16, "%s ", code);
	for (const char *p = last; *p && n < 15 && n < (int)strlen(code) + 4; p++)
		if (isalpha((unsigned char)*p) && !((unsigned char)*p & 0x80))
			out[n++] = (char)toupper((unsigned char)*p);
	out[n] = '\0';
}

static const char gen_title_sql[] =
	"INSERT INTO title(id, isbn13, title, subtitle, publisher, pub_year, "
	"pub_date, genre, section_id, language, pages, description, format, "
	"popularity, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static void gen_one_title(struct gen *g, long id, struct buf *title,
	struct buf *subtitle, struct buf *desc)
{
	struct rng *r = &g->rng;
	int s = gen_pick_section(g);
	const struct gen_section *sec = &gen_sections[s];

	gen_fill(g, gen_pick_pattern(g, gen_title_patterns,
		sizeof gen_title_patterns / sizeof gen_title_patterns[0],
		g->title_total)->text, s, title);
	if (rng_chance(r, 0.3))
		gen_fill(g, gen_pick_pattern(g, gen_subtitle_patterns,
			sizeof gen_subtitle_patterns / sizeof gen_subtitle_patterns[0],
			g->subtitle_total)->text, s, subtitle);
	else
		buf_clear(subtitle);
	gen_description(g, s, desc);

	char isbn[14];
	bool has_isbn = rng_chance(r, 0.9);
	if (has_isbn)
		gen_isbn(g, ++g->isbns, isbn);

	/* Years 1850-2025, most of them recent (median about 1990, a quarter
	** from 2020 on); 1% unknown. */
	long year = 0;
	if (!rng_chance(r, 0.01)) {
		double u = rng_unit(r), v = u * u;
		if (rng_chance(r, 0.5))
			v *= u;
		year = 2025 - (long)(175.0 * v);
	}
	char date[32] = "";
	if (year >= 1980 && rng_chance(r, 0.4))
		snprintf(date, sizeof date, "%04ld-%02ld-%02ld", year,
			rng_range(r, 1, 12), rng_range(r, 1, 28));

	long pages = s == 1 ? rng_range(r, 24, 120)
		: 60 + rng_below(r, 120) + rng_below(r, 120) + rng_below(r, 120);
	if (s != 1 && rng_chance(r, 0.05))
		pages += rng_range(r, 200, 1200);

	const char *genre = g->genres[s].w[zipf_draw(&g->genre_z[s], r)];
	bool ebook = rng_chance(r, 0.05);
	long long created = GEN_T0 + (GEN_T1 - GEN_T0) * (long long)id / g->n;
	/* Half the books come from the eight big houses. */
	const char *publisher = gen_publishers[rng_chance(r, 0.5) ? rng_below(r, 8)
		: rng_below(r, GEN_NPUBLISHERS)];

	/* The format string varies with the NULLs; the statement does not. */
	char fmt[24];
	snprintf(fmt, sizeof fmt, "it" "tt" "t%c" "tt" "it" "it" "t" "iii",
		year ? 'i' : 'n');
	int rc;
	if (year)
		rc = db_exec(&g->db, gen_title_sql, fmt, (long long)id,
			has_isbn ? isbn : NULL, buf_str(title), buf_str(subtitle),
			publisher, (long long)year, date, genre, (long long)(s + 1),
			gen_language(g), (long long)pages, buf_str(desc),
			ebook ? "ebook" : "print", (long long)gen_popularity(g),
			created, created);
	else
		rc = db_exec(&g->db, gen_title_sql, fmt, (long long)id,
			has_isbn ? isbn : NULL, buf_str(title), buf_str(subtitle),
			publisher, date, genre, (long long)(s + 1),
			gen_language(g), (long long)pages, buf_str(desc),
			ebook ? "ebook" : "print", (long long)gen_popularity(g),
			created, created);
	if (rc != SQLITE_OK)
		gen_fail(g, "title");

	/* 1-3 authors, in title-page order, each once. */
	long nauth = rng_chance(r, 0.7) ? 1 : rng_chance(r, 0.67) ? 2 : 3;
	long slots[3];
	for (long k = 0; k < nauth; k++) {
		long slot;
		bool dup;
		do {
			slot = (long)zipf_draw(&g->author_z, r);
			dup = false;
			for (long j = 0; j < k; j++)
				dup |= slots[j] == slot;
		} while (dup);
		slots[k] = slot;
		long long aid = gen_author(g, slot);
		if (db_exec(&g->db, "INSERT INTO title_author(title_id, author_id, "
			"position) VALUES (?, ?, ?)", "iii", (long long)id, aid,
			(long long)(k + 1)) != SQLITE_OK)
			gen_fail(g, "title_author");
	}

	if (ebook) {
		g->ebooks++;
		return;
	}
	gen_author_name(g, slots[0], &g->text);
	char shelf[16];
	gen_shelf_mark(sec->code, buf_str(&g->text), shelf);
	long ncopies = 1 + (rng_chance(r, 0.4) ? 0 : rng_chance(r, 0.5) ? 1
		: rng_chance(r, 0.67) ? 2 : 3);
	for (long k = 0; k < ncopies; k++) {
		char barcode[32], acquired[32];
		snprintf(barcode, sizeof barcode, "39%010lld", ++g->copies);
		long from = year < 1990 ? 1990 : year > 2024 ? 2024 : year;
		snprintf(acquired, sizeof acquired, "%04ld-%02ld-%02ld",
			rng_range(r, from, 2024), rng_range(r, 1, 12), rng_range(r, 1, 28));
		if (db_exec(&g->db, "INSERT INTO copy(barcode, title_id, location, "
			"status, acquired_on, source, cost_cents, created_at) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "tittttii", barcode,
			(long long)id, shelf, gen_status(g), acquired,
			gen_vendors[rng_below(r, (long)(sizeof gen_vendors / sizeof gen_vendors[0]))],
			(long long)rng_range(r, 499, 5999), created) != SQLITE_OK)
			gen_fail(g, "copy");
	}
}

static double gen_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void gen_setup_vocabulary(struct gen *g)
{
	gen_words_split(&g->nouns, gen_noun_text, " ");
	gen_words_split(&g->adjectives, gen_adjective_text, " ");
	gen_words_split(&g->places, gen_place_text, " ");
	gen_words_split(&g->firsts, gen_first_text, " ");
	gen_words_split(&g->lasts, gen_last_text, " ");
	zipf_init(&g->noun_z, g->nouns.n, 2.0);
	zipf_init(&g->adj_z, g->adjectives.n, 2.0);
	zipf_init(&g->place_z, g->places.n, 3.0);
	for (int i = 0; i < GEN_NSECTIONS; i++) {
		gen_words_split(&g->topics[i], gen_sections[i].topics, " ");
		gen_words_split(&g->genres[i], gen_sections[i].genres, "|");
		zipf_init(&g->genre_z[i], g->genres[i].n, 1.0);
		g->section_total += gen_sections[i].weight;
	}
	for (size_t i = 0; i < sizeof gen_title_patterns / sizeof gen_title_patterns[0]; i++)
		g->title_total += gen_title_patterns[i].weight;
	for (size_t i = 0; i < sizeof gen_subtitle_patterns / sizeof gen_subtitle_patterns[0]; i++)
		g->subtitle_total += gen_subtitle_patterns[i].weight;
}

static int gen_catalogue(const char *path, const char *schema, long n,
	uint64_t seed)
{
	struct gen *g = calloc(1, sizeof *g);
	if (!g)
		abort();
	g->n = n;
	g->seed = seed;
	g->rng.s = seed;
	gen_setup_vocabulary(g);
	g->pool = n / 5 > 50 ? n / 5 : 50;
	long max_pool = (long)(g->firsts.n * g->lasts.n * 27);
	if (g->pool > max_pool)
		g->pool = max_pool;
	g->author_id = calloc((size_t)g->pool, sizeof *g->author_id);
	/* q = 200: the busiest authors write ~0.1% of the titles (about a
	** hundred at 100,000 titles), most of the pool one or two each. */
	zipf_init(&g->author_z, (size_t)g->pool, 200.0);

	char err[512];
	if (db_open(&g->db, path, err, sizeof err)) {
		fprintf(stderr, "gen_catalogue: %s\n", err);
		return 1;
	}
	if (db_migrate(&g->db, schema, stderr, err, sizeof err) < 0) {
		fprintf(stderr, "gen_catalogue: %s\n", err);
		db_close(&g->db);
		return 1;
	}
	if (db_int(&g->db, 0, "SELECT count(*) FROM title", NULL) ||
	    db_int(&g->db, 0, "SELECT count(*) FROM section", NULL) ||
	    db_int(&g->db, 0, "SELECT count(*) FROM author", NULL)) {
		fprintf(stderr, "gen_catalogue: %s: the catalogue is not empty\n", path);
		db_close(&g->db);
		return 1;
	}
	/* Bulk loading: no fsync, undo in memory, a big page cache. The
	** connection ends in WAL mode again, as the application expects. */
	if (db_script(&g->db, "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY; "
		"PRAGMA cache_size=-524288;") != SQLITE_OK) {
		db_close(&g->db);
		return 1;
	}

	double t0 = gen_now();
	if (db_begin(&g->db))
		gen_fail(g, "begin");
	/* Like an import: build the search documents once, at the end. */
	if (catalogue_bulk_begin(&g->db))
		gen_fail(g, "bulk begin");
	for (int i = 0; i < GEN_NSECTIONS; i++) {
		buf_clear(&g->text);
		buf_printf(&g->text, "Books on %s", gen_sections[i].name);
		for (char *p = g->text.data + 9; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (db_exec(&g->db, "INSERT INTO section(id, name, description) "
			"VALUES (?, ?, ?)", "itt", (long long)(i + 1),
			gen_sections[i].name, buf_str(&g->text)) != SQLITE_OK)
			gen_fail(g, "section");
	}

	struct buf title = BUF_INIT, subtitle = BUF_INIT, desc = BUF_INIT;
	long report = n / 20 > GEN_BATCH ? n / 20 : GEN_BATCH;
	for (long id = 1; id <= n; id++) {
		gen_one_title(g, id, &title, &subtitle, &desc);
		if (id % GEN_BATCH == 0 || id == n) {
			if (db_commit(&g->db))
				gen_fail(g, "commit");
			if (id % report == 0 || id == n) {
				double t = gen_now() - t0;
				fprintf(stderr, "gen_catalogue: %ld/%ld titles, %.1f s, %.0f titles/s\n",
					id, n, t, (double)id / t);
			}
			if (id < n && db_begin(&g->db))
				gen_fail(g, "begin");
		}
	}
	if (n == 0 && db_commit(&g->db))
		gen_fail(g, "commit");
	double t_index = gen_now();
	/* The search window as carrel-cron makes it after a big load. */
	if (db_begin(&g->db) || catalogue_bulk_end(&g->db) ||
	    catalogue_search_window(&g->db, 50000) || db_commit(&g->db))
		gen_fail(g, "search index");
	fprintf(stderr, "gen_catalogue: search index built in %.1f s\n", gen_now() - t_index);
	double t_rows = gen_now() - t0;

	db_script(&g->db, "PRAGMA journal_mode=WAL;");
	long long docs = db_int(&g->db, -1, "SELECT count(*) FROM title_doc", NULL);
	db_close(&g->db);
	printf("gen_catalogue: %s: %ld titles (%lld e-books, %lld with ISBN), "
		"%lld authors, %lld copies, %d sections; %lld search documents; "
		"%.1f s (seed %llu)\n", path, n, g->ebooks, g->isbns, g->authors,
		g->copies, GEN_NSECTIONS, docs, t_rows, (unsigned long long)seed);
	buf_free(&title);
	buf_free(&subtitle);
	buf_free(&desc);
	buf_free(&g->text);
	zipf_free(&g->noun_z);
	zipf_free(&g->adj_z);
	zipf_free(&g->place_z);
	zipf_free(&g->author_z);
	for (int i = 0; i < GEN_NSECTIONS; i++)
		zipf_free(&g->genre_z[i]);
	free(g->author_id);
	free(g);
	if (docs != n) {
		fprintf(stderr, "gen_catalogue: %lld search documents for %ld titles\n",
			docs, n);
		return 1;
	}
	return 0;
}

/* ---- --queries ---- */

struct gen_sample {
	char **words;            /* the title's content words, lower case */
	int nwords;
	long long section_id;
	char *genre;
};

static bool gen_is_stopword(const char *w)
{
	for (const char *const *s = gen_stopwords; *s; s++)
		if (!strcmp(*s, w))
			return true;
	return false;
}

/* Cut text into lower-case words the way the search does (letters and
** digits; other ASCII separates), keeping those worth searching for. */
static void gen_sample_words(struct arena *a, const char *text,
	struct gen_sample *out)
{
	size_t len = strlen(text);
	out->words = arena_alloc(a, (len / 2 + 1) * sizeof *out->words);
	out->nwords = 0;
	const char *p = text;
	while (*p) {
		while (*p && !((unsigned char)*p & 0x80) && !isalnum((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && (((unsigned char)*p & 0x80) || isalnum((unsigned char)*p)))
			p++;
		if (p == start)
			continue;
		char *w = arena_strndup(a, start, (size_t)(p - start));
		for (char *c = w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strlen(w) >= 3 && !gen_is_stopword(w))
			out->words[out->nwords++] = w;
	}
}

/* Percent-encode s for a query string value (space as %20). */
static void gen_url_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) && *p < 0x80)
			buf_putc(out, (char)*p);
		else if (*p == '-' || *p == '.' || *p == '_' || *p == '~')
			buf_putc(out, (char)*p);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
		}
	}
}

static int gen_queries(const char *path, long count, uint64_t seed)
{
	if (access(path, R_OK)) {
		fprintf(stderr, "gen_catalogue: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct db db;
	char err[512];
	if (db_open(&db, path, err, sizeof err)) {
		fprintf(stderr, "gen_catalogue: %s\n", err);
		return 1;
	}
	struct rng rng = { seed ^ 0x5EA2C4E5ULL };
	long long max_id = db_int(&db, 0, "SELECT max(id) FROM title", NULL);
	if (max_id <= 0) {
		fprintf(stderr, "gen_catalogue: %s: no titles\n", path);
		db_close(&db);
		return 1;
	}

	/* Sample titles at random: a word turns up in the sample as often as
	** in the catalogue, so drawing sampled words draws by frequency. */
	struct arena a;
	arena_init(&a, 1 << 20);
	long want = max_id < GEN_SAMPLE ? (long)max_id : GEN_SAMPLE;
	struct gen_sample *samples = calloc((size_t)want, sizeof *samples);
	long nsamples = 0, nwords = 0;
	for (long tries = 0; nsamples < want && tries < want * 4; tries++) {
		long long id = max_id == want ? nsamples + 1 : 1 + rng_below(&rng, (long)max_id);
		sqlite3_stmt *st = db_query(&db, "SELECT title, coalesce(section_id, 0), "
			"genre FROM title WHERE id = ?", "i", id);
		if (!db_row(&db, st))
			continue;
		struct gen_sample *s = &samples[nsamples];
		gen_sample_words(&a, (const char *)sqlite3_column_text(st, 0), s);
		s->section_id = db_col_int(st, 1);
		s->genre = (char *)db_text(&a, st, 2);
		db_done(st);
		nwords += s->nwords;
		nsamples++;
	}
	db_close(&db);
	char **pool = malloc(((size_t)nwords + 1) * sizeof *pool);
	long npool = 0;
	for (long i = 0; i < nsamples; i++)
		for (int k = 0; k < samples[i].nwords; k++)
			pool[npool++] = samples[i].words[k];
	if (!npool) {
		fprintf(stderr, "gen_catalogue: %s: no words in the titles\n", path);
		return 1;
	}

	struct buf line = BUF_INIT, q = BUF_INIT;
	for (long i = 0; i < count; i++) {
		/* 1-3 words: half of the longer queries are words of one title
		** in order (looking for a known book), the rest independent
		** words (looking for a subject). */
		int k = rng_chance(&rng, 0.5) ? 1 : rng_chance(&rng, 0.7) ? 2 : 3;
		const char *words[3];
		int nw = 0;
		if (k > 1 && rng_chance(&rng, 0.5)) {
			const struct gen_sample *s = &samples[rng_below(&rng, nsamples)];
			if (s->nwords >= k) {
				int from = (int)rng_below(&rng, s->nwords - k + 1);
				for (int j = 0; j < k; j++)
					words[nw++] = s->words[from + j];
			}
		}
		for (int tries = 0; nw < k && tries < 20; tries++) {
			const char *w = pool[rng_below(&rng, npool)];
			bool dup = false;
			for (int j = 0; j < nw; j++)
				dup |= !strcmp(words[j], w);
			if (!dup)
				words[nw++] = w;
		}
		buf_clear(&q);
		for (int j = 0; j < nw; j++) {
			if (j)
				buf_putc(&q, ' ');
			buf_puts(&q, words[j]);
		}
		/* A third end in a prefix of 3-5 letters, as if still typing;
		** never cut inside a UTF-8 character. */
		if (rng_chance(&rng, 1.0 / 3)) {
			size_t last = strlen(words[nw - 1]);
			size_t cut = (size_t)rng_range(&rng, 3, 5);
			while (cut < last && ((unsigned char)words[nw - 1][cut] & 0xC0) == 0x80)
				cut++;
			if (cut < last) {
				q.len -= last - cut;
				q.data[q.len] = '\0';
			}
		}
		buf_clear(&line);
		buf_puts(&line, "/catalogue?q=");
		gen_url_encode(&line, buf_str(&q));
		if (rng_chance(&rng, 0.2)) {
			const struct gen_sample *s = &samples[rng_below(&rng, nsamples)];
			long kind = rng_below(&rng, 100);
			if (kind < 30 && s->section_id)
				buf_printf(&line, "&section=%lld", s->section_id);
			else if (kind < 50 && *s->genre) {
				buf_puts(&line, "&genre=");
				gen_url_encode(&line, s->genre);
			} else if (kind < 70)
				buf_puts(&line, "&available=1");
			else if (kind < 80)
				buf_puts(&line, "&format=ebook");
			else {
				long from = 1900 + 10 * rng_below(&rng, 12);
				long to = from + 10 * rng_range(&rng, 1, 3);
				buf_printf(&line, "&year_from=%ld&year_to=%ld", from,
					to > 2025 ? 2025 : to);
			}
		}
		buf_putc(&line, '\n');
		fwrite(line.data, 1, line.len, stdout);
	}
	buf_free(&line);
	buf_free(&q);
	free(pool);
	free(samples);
	arena_free(&a);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gen_catalogue: writing the queries: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int gen_usage(void)
{
	fputs("usage: gen_catalogue [--schema DIR] DB N [SEED]\n"
	      "       gen_catalogue --queries DB COUNT [SEED]\n", stderr);
	return 2;
}

static bool gen_number(const char *s, unsigned long long max,
	unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	bool queries = false;
	const char *schema = getenv("CARREL_SCHEMA");
	if (!schema || !*schema)
		schema = "schema";
	int i = 1;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--queries"))
			queries = true;
		else if (!strcmp(argv[i], "--schema") && i + 1 < argc)
			schema = argv[++i];
		else
			return gen_usage();
	}
	unsigned long long n, seed = 42;
	if (argc - i < 2 || argc - i > 3 || !gen_number(argv[i + 1], 100000000, &n) ||
	    (argc - i == 3 && !gen_number(argv[i + 2], UINT64_MAX, &seed)))
		return gen_usage();
	if (queries)
		return gen_queries(argv[i], (long)n, seed);
	return gen_catalogue(argv[i], schema, (long)n, seed);
}
