//! Making the visitors (the `generate` feature): names from `fake`, the rest from a seeded
//! generator per chunk.

use fake::Fake;
use fake::faker::name::raw::{FirstName, LastName};
use fake::locales::{DE_DE, EN, FR_FR, IT_IT, JA_JP, NL_NL, PT_BR, TR_TR, ZH_CN};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use serde_json::{Map, Value};

use crate::base::clock::iso_8601;
use crate::data::generate::{DEPARTMENTS, Plan, next_guest_number};

/// Visitors per chunk: each chunk has its own generator.
pub const CHUNK: usize = 10_000;

/// The fixed alphabet of Meteor's `Random.id()`: legacy ids and room ids.
const METEOR_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WHATSAPP_APP_ID: &str = "9d6a2c1e-5b7f-4e39-8a04-2f1c3b6d7e80";
/// 2023-01-01T00:00:00Z and 2026-11-01T00:00:00Z: the span of generated `ts`.
const FIRST_TS: u64 = 1_672_531_200_000;
const LAST_TS: u64 = 1_793_491_200_000;
const DAY: u64 = 86_400_000;

/// One locale: the names' language, the phone country code, and the national number length.
struct Locale {
    weight: u32,
    calling_code: &'static str,
    digits: usize,
    email_domains: &'static [&'static str],
}

const LOCALES: [Locale; 9] = [
    Locale {
        weight: 40,
        calling_code: "1",
        digits: 10,
        email_domains: &["gmail.com", "yahoo.com", "outlook.com", "icloud.com"],
    },
    Locale {
        weight: 15,
        calling_code: "55",
        digits: 11,
        email_domains: &["gmail.com", "hotmail.com", "uol.com.br"],
    },
    Locale {
        weight: 10,
        calling_code: "49",
        digits: 11,
        email_domains: &["gmail.com", "web.de", "gmx.de"],
    },
    Locale {
        weight: 10,
        calling_code: "33",
        digits: 9,
        email_domains: &["gmail.com", "orange.fr", "free.fr"],
    },
    Locale {
        weight: 5,
        calling_code: "39",
        digits: 10,
        email_domains: &["gmail.com", "libero.it"],
    },
    Locale {
        weight: 5,
        calling_code: "81",
        digits: 10,
        email_domains: &["gmail.com", "yahoo.co.jp"],
    },
    Locale {
        weight: 5,
        calling_code: "86",
        digits: 11,
        email_domains: &["qq.com", "163.com"],
    },
    Locale {
        weight: 5,
        calling_code: "31",
        digits: 9,
        email_domains: &["gmail.com", "ziggo.nl"],
    },
    Locale {
        weight: 5,
        calling_code: "90",
        digits: 10,
        email_domains: &["gmail.com", "hotmail.com"],
    },
];

fn person(rng: &mut Xoshiro256PlusPlus, locale: usize) -> (String, String) {
    macro_rules! names {
        ($l:expr) => {
            (
                FirstName($l).fake_with_rng::<String, _>(rng),
                LastName($l).fake_with_rng::<String, _>(rng),
            )
        };
    }
    match locale {
        0 => names!(EN),
        1 => names!(PT_BR),
        2 => names!(DE_DE),
        3 => names!(FR_FR),
        4 => names!(IT_IT),
        5 => names!(JA_JP),
        6 => names!(ZH_CN),
        7 => names!(NL_NL),
        _ => names!(TR_TR),
    }
}

fn pick_locale(rng: &mut Xoshiro256PlusPlus) -> usize {
    let total: u32 = LOCALES.iter().map(|l| l.weight).sum();
    let mut roll = rng.random_range(0..total);
    for (index, locale) in LOCALES.iter().enumerate() {
        if roll < locale.weight {
            return index;
        }
        roll -= locale.weight;
    }
    0
}

fn random_string(rng: &mut Xoshiro256PlusPlus, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// A MongoDB ObjectId: creation seconds, five random bytes, and a counter (here the visitor's
/// index, which keeps ids unique within a run).
fn object_id(rng: &mut Xoshiro256PlusPlus, ts_ms: u64, index: u64) -> String {
    let random: u64 = rng.random_range(0..(1u64 << 40));
    format!("{:08x}{random:010x}{:06x}", ts_ms / 1000, index & 0xff_ffff)
}

/// ASCII letters and digits of a name, lower-cased, for an e-mail's local part.
fn mailbox(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let plain = match c {
                'á' | 'à' | 'â' | 'ã' | 'ä' | 'Á' | 'Â' | 'Ã' | 'Ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
                'í' | 'ì' | 'î' | 'ï' | 'Í' | 'İ' | 'ı' => 'i',
                'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'Ó' | 'Ö' => 'o',
                'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => 'u',
                'ç' | 'Ç' => 'c',
                'ş' | 'Ş' => 's',
                'ğ' | 'Ğ' => 'g',
                'ñ' => 'n',
                'ß' => 's',
                c => c,
            };
            plain
                .is_ascii_alphanumeric()
                .then(|| plain.to_ascii_lowercase())
        })
        .collect()
}

/// Generates visitor `index` (0-based within the whole run) with `rng`.
fn visitor(rng: &mut Xoshiro256PlusPlus, plan: &Plan, index: u64) -> Map<String, Value> {
    // Each part draws from `rng` in turn, always in this order: the same seed gives the same
    // visitor byte for byte (a test holds the generated file to its digest).
    let who = identity(rng, plan, index);
    let mut doc = Map::new();
    doc.insert("_id".into(), json!(who.id));
    doc.insert(
        "username".into(),
        json!(format!("guest-{}", plan.first_guest + index)),
    );
    doc.insert("status".into(), json!(who.status));
    doc.insert("ts".into(), json!(iso_8601(who.ts)));
    doc.insert("_updatedAt".into(), json!(iso_8601(who.updated)));
    doc.insert("name".into(), json!(who.name));
    let whatsapp = contact(rng, &mut doc, &who);
    connection(rng, &mut doc, whatsapp);
    history(rng, &mut doc, plan, &who);
    custom_fields(rng, &mut doc);
    if whatsapp {
        let entity = format!("{}.{:016X}", who.locale().calling_code, rng.random::<u64>());
        doc.insert(
            "externalIds".into(),
            json!([{ "appId": WHATSAPP_APP_ID, "entityId": entity, "metadata": { "username": who.local, "channel": "whatsapp" } }]),
        );
    }
    if who.disabled {
        doc.insert("disabled".into(), json!(true));
    }
    doc.insert(
        "token".into(),
        json!(random_string(rng, TOKEN_ALPHABET, 17)),
    );
    doc
}

/// Who a generated visitor is: locale, name, times, id and status.
struct Identity {
    locale_index: usize,
    ts: u64,
    updated: u64,
    id: String,
    disabled: bool,
    status: &'static str,
    name: String,
    /// The mailbox part of an e-mail address made from the name.
    local: String,
}

impl Identity {
    fn locale(&self) -> &'static Locale {
        &LOCALES[self.locale_index]
    }
}

fn identity(rng: &mut Xoshiro256PlusPlus, plan: &Plan, index: u64) -> Identity {
    let locale_index = pick_locale(rng);
    let (first, last) = person(rng, locale_index);
    let ts = rng.random_range(FIRST_TS..LAST_TS);
    let updated = ts + rng.random_range(0..30 * DAY).min(LAST_TS - ts);
    let legacy = rng.random_range(0..100) < 8;
    let id = if legacy {
        random_string(rng, METEOR_ALPHABET, 17)
    } else {
        object_id(rng, ts, index)
    };
    let disabled = rng.random_range(0..1000) < 15;
    let status = if disabled {
        "disabled"
    } else {
        match rng.random_range(0..100) {
            0..20 => "online",
            20..30 => "away",
            30..35 => "busy",
            _ => "offline",
        }
    };
    // Japanese and Chinese names are written family name first, without a space.
    let name = if matches!(locale_index, 5 | 6) {
        format!("{last}{first}")
    } else {
        format!("{first} {last}")
    };
    let local = match (mailbox(&first), mailbox(&last)) {
        (f, l) if !f.is_empty() && !l.is_empty() => format!("{f}.{l}"),
        _ => format!("visitor{}", plan.first_guest + index),
    };
    Identity {
        locale_index,
        ts,
        updated,
        id,
        disabled,
        status,
        name,
        local,
    }
}

/// Phone, e-mail and department; returns whether the visitor came through WhatsApp.
fn contact(rng: &mut Xoshiro256PlusPlus, doc: &mut Map<String, Value>, who: &Identity) -> bool {
    let locale = who.locale();
    let whatsapp = rng.random_range(0..100) < 10;
    let national: String = (0..locale.digits)
        .map(|i| {
            let low = if i == 0 { 1 } else { 0 };
            char::from(b'0' + rng.random_range(low..10u8))
        })
        .collect();
    let phone = format!("+{}{national}", locale.calling_code);
    if whatsapp || rng.random_range(0..100) < 45 {
        doc.insert("phone".into(), json!([{ "phoneNumber": phone }]));
    }
    if rng.random_range(0..100) < 70 {
        let domain = locale.email_domains[rng.random_range(0..locale.email_domains.len())];
        let suffix = rng.random_range(0..100);
        let address = if suffix < 60 {
            format!("{}@{domain}", who.local)
        } else {
            format!("{}{suffix}@{domain}", who.local)
        };
        doc.insert(
            "visitorEmails".into(),
            json!([{ "address": address.to_lowercase() }]),
        );
    }
    if rng.random_range(0..100) < 60 {
        doc.insert(
            "department".into(),
            json!(DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())]),
        );
    }
    whatsapp
}

/// The widget's connection data: user agent, address and host (never for WhatsApp).
fn connection(rng: &mut Xoshiro256PlusPlus, doc: &mut Map<String, Value>, whatsapp: bool) {
    if !whatsapp && rng.random_range(0..100) < 55 {
        let agent = USER_AGENTS[rng.random_range(0..USER_AGENTS.len())];
        doc.insert("userAgent".into(), json!(agent));
        doc.insert(
            "ip".into(),
            json!(format!(
                "{}.{}.{}.{}",
                rng.random_range(1..224u8),
                rng.random_range(0..256u16),
                rng.random_range(0..256u16),
                rng.random_range(1..255u8)
            )),
        );
        doc.insert(
            "host".into(),
            json!(HOSTS[rng.random_range(0..HOSTS.len())]),
        );
    }
}

/// The last chat and the agent who served it.
fn history(
    rng: &mut Xoshiro256PlusPlus,
    doc: &mut Map<String, Value>,
    plan: &Plan,
    who: &Identity,
) {
    if rng.random_range(0..100) < 70 {
        let chat_ts = rng.random_range(who.ts..=who.updated);
        doc.insert(
            "lastChat".into(),
            json!({ "_id": random_string(rng, METEOR_ALPHABET, 17), "ts": iso_8601(chat_ts) }),
        );
        if !plan.agents.is_empty() && rng.random_range(0..100) < 85 {
            let agent = &plan.agents[rng.random_range(0..plan.agents.len())];
            let agent_ts = rng.random_range(chat_ts..=who.updated);
            doc.insert(
                "lastAgent".into(),
                json!({ "username": agent.username, "agentId": agent.id, "ts": iso_8601(agent_ts) }),
            );
        }
    }
}

/// `livechatData` on some visitors.
fn custom_fields(rng: &mut Xoshiro256PlusPlus, doc: &mut Map<String, Value>) {
    if rng.random_range(0..100) < 30 {
        let mut data = Map::new();
        data.insert(
            "plan".into(),
            json!(PLANS[rng.random_range(0..PLANS.len())]),
        );
        if rng.random_range(0..2) == 0 {
            data.insert(
                "orderNumber".into(),
                json!(format!("ORD-{:06}", rng.random_range(0..1_000_000))),
            );
        }
        doc.insert("livechatData".into(), Value::Object(data));
    }
}

const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
];
const HOSTS: [&str; 3] = ["www.example.com", "shop.example.com", "support.example.com"];
const PLANS: [&str; 3] = ["free", "pro", "enterprise"];

/// The seed of chunk `chunk`: a SplitMix64 step away from the run's seed.
fn chunk_seed(seed: u64, chunk: u64) -> u64 {
    let mut z = seed.wrapping_add(chunk.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The visitors of chunk `chunk` of the plan.
pub fn chunk(plan: &Plan, chunk: usize) -> Vec<Map<String, Value>> {
    let start = chunk * CHUNK;
    let end = plan.count.min(start + CHUNK);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(chunk_seed(plan.seed, chunk as u64));
    (start..end)
        .map(|i| visitor(&mut rng, plan, i as u64))
        .collect()
}

/// How many chunks the plan has.
pub fn chunks(plan: &Plan) -> usize {
    plan.count.div_ceil(CHUNK)
}

/// Writes the plan's visitors as a `visitors.json` array, one visitor per line, for a team to
/// commit and edit.
///
/// # Errors
/// The fixtures or schemas cannot be loaded, or the output cannot be written.
pub fn write_fixture_file(
    out: &mut dyn std::io::Write,
    fixtures: &crate::data::fixtures::FixtureSource,
    count: usize,
    seed: u64,
) -> Result<(), crate::base::error::Error> {
    let schemas = crate::data::schema::SchemaSet::load(
        &crate::data::schema::SchemaSource::Bundled,
        crate::base::versions::DEFAULT,
    )?;
    let loaded = crate::data::fixtures::Fixtures::load(fixtures, &schemas)?;
    let plan = Plan {
        count,
        seed,
        first_guest: next_guest_number(&loaded.visitors),
        agents: loaded.agents(),
    };
    let write = |out: &mut dyn std::io::Write, text: &str| {
        out.write_all(text.as_bytes())
            .map_err(|source| crate::base::error::Error::Write { source })
    };
    write(out, "[")?;
    let mut first = true;
    for c in 0..chunks(&plan) {
        for doc in chunk(&plan, c) {
            write(out, if first { "\n" } else { ",\n" })?;
            write(out, &Value::Object(doc).to_string())?;
            first = false;
        }
    }
    write(out, "\n]\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate::Agent;
    use crate::data::schema::{SchemaSet, SchemaSource};

    /// All the plan's visitors, in order.
    fn all(plan: &Plan) -> Vec<Map<String, Value>> {
        (0..chunks(plan)).flat_map(|c| chunk(plan, c)).collect()
    }

    fn plan(count: usize, seed: u64) -> Plan {
        Plan {
            count,
            seed,
            first_guest: 16,
            agents: vec![Agent {
                id: "rbAXPnMktTFbNpwtJ".into(),
                username: "agent.alice".into(),
            }],
        }
    }

    #[test]
    fn every_generated_visitor_passes_the_schemas_over_many_seeds() {
        let schemas =
            SchemaSet::load(&SchemaSource::Bundled, crate::base::versions::DEFAULT).unwrap();
        for seed in 0..100 {
            for doc in all(&plan(60, seed)) {
                let value = Value::Object(doc);
                assert_eq!(
                    schemas.visitor.check(&value),
                    Ok(()),
                    "seed {seed}: {value}"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_gives_byte_identical_visitors() {
        let a = serde_json::to_string(&all(&plan(2_000, 9))).unwrap();
        let b = serde_json::to_string(&all(&plan(2_000, 9))).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, serde_json::to_string(&all(&plan(2_000, 10))).unwrap());
    }

    #[test]
    fn usernames_continue_after_the_fixtures_and_ids_are_unique() {
        let docs = all(&plan(25_000, 1));
        assert_eq!(docs[0]["username"], "guest-16");
        assert_eq!(docs[24_999]["username"], "guest-25015");
        let ids: std::collections::HashSet<_> =
            docs.iter().map(|d| d["_id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 25_000);
        let legacy = docs
            .iter()
            .filter(|d| d["_id"].as_str().unwrap().len() == 17)
            .count();
        assert!((1_500..2_500).contains(&legacy), "{legacy} legacy ids");
        let disabled = docs.iter().filter(|d| d.get("disabled").is_some()).count();
        assert!((200..600).contains(&disabled), "{disabled} disabled");
        let whatsapp = docs
            .iter()
            .filter(|d| d.get("externalIds").is_some())
            .count();
        assert!(
            (2_000..3_000).contains(&whatsapp),
            "{whatsapp} with externalIds"
        );
    }

    #[test]
    fn the_next_guest_number_follows_the_highest() {
        let docs = [
            json!({"username": "guest-10"}),
            json!({"username": "guest-3"}),
            json!({"username": "bob"}),
        ];
        let maps: Vec<_> = docs
            .iter()
            .map(|d| d.as_object().unwrap().clone())
            .collect();
        assert_eq!(next_guest_number(&maps), 11);
        assert_eq!(next_guest_number(&[]), 1);
    }
}
