//! The National Indicator Set, as data.
//!
//! The set is embedded from `data/national_indicators.csv` (extracted from
//! the report's Appendices 3b and 3d; see the NOTES file beside it) and
//! parsed into a [`Catalogue`] of versioned [`IndicatorSet`]s. An indicator
//! belongs to every set version from the one it was added in until the one
//! that withdrew it, where it is listed as withdrawn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{Department, IndicatorNumber, SetVersion};
use crate::polarity::Polarity;
use crate::terms::Unit;

/// The embedded CSV of the National Indicator Set.
pub const NATIONAL_INDICATORS_CSV: &str = include_str!("../data/national_indicators.csv");

/// The header the CSV must have, column for column.
pub const CSV_HEADER: [&str; 11] = [
    "number",
    "title",
    "subject_group",
    "psa",
    "dso_department",
    "statutory",
    "added_in",
    "withdrawn_in",
    "laa_selections_2008",
    "unit",
    "polarity",
];

/// A malformed catalogue file: which line, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("national indicator catalogue, line {line}: {problem}")]
pub struct CatalogueError {
    /// The 1-based line of the file (the header is line 1).
    pub line: u64,
    /// What is wrong there.
    pub problem: String,
}

/// What an indicator is linked to in Whitehall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// A Public Service Agreement, by number.
    Psa(u8),
    /// A department's strategic objective (DSO), by department.
    Dso(Department),
    /// The report names neither (NI 14 and NI 184).
    Unassigned,
}

/// One National Indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Its number.
    pub number: IndicatorNumber,
    /// Its title.
    pub title: String,
    /// Its subject group, such as `Safer communities`.
    pub subject_group: String,
    /// The PSA or DSO it is linked to.
    pub owner: Owner,
    /// True for the 16 statutory DCSF early-years and education indicators.
    pub statutory: bool,
    /// The set version that introduced it.
    pub added_in: SetVersion,
    /// The set version that withdrew it, if any.
    pub withdrawn_in: Option<SetVersion>,
    /// How many of the 150 LAAs of 2008 chose it (Appendix 3d); none for the statutory ones.
    pub laa_selections_2008: Option<u16>,
    /// What its values measure; terms on it must use this unit. (Absent
    /// in JSON written before units were recorded: `score`, the unit that
    /// promises nothing.)
    #[serde(default = "unit_unstated")]
    pub unit: Unit,
    /// Whether a higher or a lower value is better. (Absent in JSON written
    /// before polarities were recorded: higher is better.)
    #[serde(default)]
    pub polarity: Polarity,
}

fn unit_unstated() -> Unit {
    Unit::Score
}

impl Indicator {
    /// A new indicator, introduced by the set version `added_in`: active,
    /// chosen by no 2008 agreement, measured in `unit` with `polarity`.
    #[allow(clippy::too_many_arguments)]
    pub fn introduced(
        number: IndicatorNumber,
        title: String,
        subject_group: String,
        owner: Owner,
        statutory: bool,
        added_in: SetVersion,
        unit: Unit,
        polarity: Polarity,
    ) -> Self {
        Indicator {
            unit,
            polarity,
            number,
            title,
            subject_group,
            owner,
            statutory,
            added_in,
            withdrawn_in: None,
            laa_selections_2008: None,
        }
    }

    /// Its status in a set version, or `None` when the version predates it.
    pub fn status_in(&self, version: SetVersion) -> Option<IndicatorStatus> {
        if version < self.added_in {
            None
        } else if self.withdrawn_in.is_some_and(|w| version >= w) {
            Some(IndicatorStatus::Withdrawn)
        } else {
            Some(IndicatorStatus::Active)
        }
    }
}

/// An indicator's standing in one set version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorStatus {
    /// May be chosen as a target.
    Active,
    /// Withdrawn in this version: targets on it must go at the next refresh.
    Withdrawn,
}

/// Whether a set may be bound to agreements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetStatus {
    /// Being prepared; cannot be bound (rec. 17).
    Draft,
    /// Published; agreements may bind to it.
    Published,
}

/// One version of the indicator set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorSet {
    /// Its version.
    pub version: SetVersion,
    /// Draft or published.
    pub status: SetStatus,
    /// The indicators it lists (active or withdrawn), by number. Written
    /// as a list of `[number, status]` pairs: a map with numbers for keys
    /// does not read back inside a change tagged with its kind (serde
    /// buffers the keys as strings there).
    #[serde(with = "members_as_pairs")]
    pub members: BTreeMap<IndicatorNumber, IndicatorStatus>,
    /// The published set it was drafted from; `None` for the embedded sets.
    #[serde(default)]
    pub based_on: Option<SetVersion>,
    /// Its consultation window (rec. 17); `None` for the embedded sets,
    /// which were published before the engine existed.
    #[serde(default)]
    pub consultation: Option<Consultation>,
    /// The relations it declares between its indicators (recommendation
    /// 4's "cross-government models showing how the different indicators
    /// influence each other"), each pair once, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<Relation>,
}

/// Two indicators a set declares to influence each other, and how: NI 117
/// (young people not in education, employment or training) and NI 163
/// (working-age adults qualified to Level 2) move together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    /// The lower-numbered indicator.
    pub first: IndicatorNumber,
    /// The higher-numbered one.
    pub second: IndicatorNumber,
    /// How one influences the other, in a sentence.
    pub note: String,
}

impl Relation {
    /// The other indicator of the pair, when `number` is one of them.
    pub fn other_than(&self, number: IndicatorNumber) -> Option<IndicatorNumber> {
        match number {
            n if n == self.first => Some(self.second),
            n if n == self.second => Some(self.first),
            _ => None,
        }
    }
}

/// [`IndicatorSet::members`] as a list of pairs.
mod members_as_pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{IndicatorNumber, IndicatorStatus};

    pub(super) fn serialize<S: Serializer>(
        members: &BTreeMap<IndicatorNumber, IndicatorStatus>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(&IndicatorNumber, &IndicatorStatus)> = members.iter().collect();
        pairs.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<IndicatorNumber, IndicatorStatus>, D::Error> {
        let pairs = Vec::<(IndicatorNumber, IndicatorStatus)>::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

/// The window in which a draft set is consulted on (recommendation 17):
/// comments are recorded from `opens` until the day before `closes`, and
/// the set can be published from `closes` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Consultation {
    /// The first day of the window: the day the draft was created.
    pub opens: chrono::NaiveDate,
    /// The day the window has passed: the earliest day of publication.
    pub closes: chrono::NaiveDate,
}

impl Consultation {
    /// True on the days comments are recorded (`opens <= day < closes`).
    pub fn is_open_on(&self, day: chrono::NaiveDate) -> bool {
        self.opens <= day && day < self.closes
    }
}

impl IndicatorSet {
    /// The status of an indicator in this set, if the set lists it.
    pub fn status_of(&self, number: IndicatorNumber) -> Option<IndicatorStatus> {
        self.members.get(&number).copied()
    }

    /// The relations this set declares that involve `number`.
    pub fn relations_of(&self, number: IndicatorNumber) -> impl Iterator<Item = &Relation> {
        self.relations
            .iter()
            .filter(move |r| r.other_than(number).is_some())
    }

    /// The numbers of the active indicators.
    pub fn active(&self) -> impl Iterator<Item = IndicatorNumber> + '_ {
        self.members
            .iter()
            .filter(|(_, s)| **s == IndicatorStatus::Active)
            .map(|(n, _)| *n)
    }
}

/// Every indicator ever listed, and the set versions listing them, each
/// with its own wording of its indicators (an amendment in a later set does
/// not reword an earlier one, so an agreement bound to the earlier set keeps
/// the indicators it was negotiated on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Each indicator in the wording of the newest published set listing it
    /// (or of the newest draft, when only drafts list it).
    indicators: BTreeMap<IndicatorNumber, Indicator>,
    sets: BTreeMap<SetVersion, IndicatorSet>,
    /// Each set's own wording of the indicators it lists.
    wording: BTreeMap<SetVersion, BTreeMap<IndicatorNumber, Indicator>>,
}

impl Catalogue {
    /// The embedded National Indicator Set, versions 2007 and 2008, both published.
    pub fn national() -> Result<Self, CatalogueError> {
        Self::parse_csv(NATIONAL_INDICATORS_CSV)
    }

    /// Parses a catalogue CSV (header [`CSV_HEADER`]). Every set version
    /// named in `added_in` or `withdrawn_in` becomes a published set.
    pub fn parse_csv(text: &str) -> Result<Self, CatalogueError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| CatalogueError {
            line: 1,
            problem: e.to_string(),
        })?;
        if header.iter().ne(CSV_HEADER.iter().copied()) {
            return Err(CatalogueError {
                line: 1,
                problem: format!("the header must be `{}`", CSV_HEADER.join(",")),
            });
        }
        let mut indicators = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| CatalogueError {
                line: e.position().map_or(0, |p| p.line()),
                problem: e.to_string(),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let indicator =
                parse_row(&record).map_err(|problem| CatalogueError { line, problem })?;
            if indicators.contains_key(&indicator.number) {
                return Err(CatalogueError {
                    line,
                    problem: format!("{} is listed twice", indicator.number),
                });
            }
            indicators.insert(indicator.number, indicator);
        }
        if indicators.is_empty() {
            return Err(CatalogueError {
                line: 1,
                problem: "the file lists no indicators".into(),
            });
        }
        Ok(Self::from_indicators(indicators))
    }

    fn from_indicators(indicators: BTreeMap<IndicatorNumber, Indicator>) -> Self {
        let versions: std::collections::BTreeSet<SetVersion> = indicators
            .values()
            .flat_map(|i| std::iter::once(i.added_in).chain(i.withdrawn_in))
            .collect();
        let sets = versions
            .into_iter()
            .map(|version| {
                let members = indicators
                    .values()
                    .filter_map(|i| i.status_in(version).map(|s| (i.number, s)))
                    .collect();
                (
                    version,
                    IndicatorSet {
                        version,
                        status: SetStatus::Published,
                        members,
                        based_on: None,
                        consultation: None,
                        relations: Vec::new(),
                    },
                )
            })
            .collect::<BTreeMap<_, _>>();
        let wording = sets
            .iter()
            .map(|(version, set)| {
                let own = set
                    .members
                    .keys()
                    .filter_map(|n| indicators.get(n).map(|i| (*n, i.clone())))
                    .collect();
                (*version, own)
            })
            .collect();
        Self {
            indicators,
            sets,
            wording,
        }
    }

    /// Adds a set version with its own wording of every indicator it lists,
    /// as the database holds it; refused when the version is taken or the
    /// wording and the members differ.
    pub fn insert_set(
        &mut self,
        set: IndicatorSet,
        wording: impl IntoIterator<Item = Indicator>,
    ) -> Result<(), CatalogueError> {
        let bad = |problem: String| CatalogueError { line: 0, problem };
        if self.sets.contains_key(&set.version) {
            return Err(bad(format!("set {} is listed twice", set.version)));
        }
        let own: BTreeMap<IndicatorNumber, Indicator> =
            wording.into_iter().map(|i| (i.number, i)).collect();
        if !own.keys().eq(set.members.keys()) {
            return Err(bad(format!(
                "set {} words other indicators than it lists",
                set.version
            )));
        }
        self.wording.insert(set.version, own);
        self.sets.insert(set.version, set);
        self.reindex();
        Ok(())
    }

    /// Marks a draft set published (the rules are
    /// [`crate::indicator_sets::publish_set`]'s); false if there is no such set.
    pub fn mark_published(&mut self, version: SetVersion) -> bool {
        let Some(set) = self.sets.get_mut(&version) else {
            return false;
        };
        set.status = SetStatus::Published;
        self.reindex();
        true
    }

    /// Recomputes [`Catalogue::indicator`]'s wording: the newest published
    /// set's, else the newest draft's.
    fn reindex(&mut self) {
        let mut indicators = BTreeMap::new();
        for published in [false, true] {
            for (version, set) in &self.sets {
                if (set.status == SetStatus::Published) != published {
                    continue;
                }
                if let Some(own) = self.wording.get(version) {
                    for (n, i) in own {
                        indicators.insert(*n, i.clone());
                    }
                }
            }
        }
        self.indicators = indicators;
    }

    /// An indicator in the wording of one set version, if it lists it.
    pub fn indicator_in(&self, version: SetVersion, number: IndicatorNumber) -> Option<&Indicator> {
        self.wording.get(&version)?.get(&number)
    }

    /// The indicators one set version lists, in its own wording, by number.
    pub fn wording_of(&self, version: SetVersion) -> impl Iterator<Item = &Indicator> {
        self.wording
            .get(&version)
            .into_iter()
            .flat_map(|w| w.values())
    }

    /// One indicator, whatever its status, in the wording of the newest
    /// published set listing it (see [`Catalogue::indicator_in`] for one set's).
    pub fn indicator(&self, number: IndicatorNumber) -> Option<&Indicator> {
        self.indicators.get(&number)
    }

    /// Every indicator, by number.
    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.values()
    }

    /// One set version.
    pub fn set(&self, version: SetVersion) -> Option<&IndicatorSet> {
        self.sets.get(&version)
    }

    /// Every set version, oldest first.
    pub fn sets(&self) -> impl Iterator<Item = &IndicatorSet> {
        self.sets.values()
    }

    /// Adds a draft set version (an administrator preparing the next set).
    /// It lists every indicator of the newest set, in its wording, which can
    /// then be edited with [`Catalogue::set_mut`] before it is published.
    /// (The API drafts through [`crate::indicator_sets::draft_set`].)
    pub fn add_draft_set(&mut self, version: SetVersion) -> Option<&mut IndicatorSet> {
        if self.sets.contains_key(&version) {
            return None;
        }
        let newest = self.sets.keys().next_back().copied();
        let members = newest
            .and_then(|v| self.sets.get(&v))
            .map(|s| s.members.clone())
            .unwrap_or_default();
        let wording = newest
            .and_then(|v| self.wording.get(&v))
            .cloned()
            .unwrap_or_default();
        self.wording.insert(version, wording);
        self.sets.insert(
            version,
            IndicatorSet {
                version,
                status: SetStatus::Draft,
                members,
                based_on: newest,
                consultation: None,
                relations: Vec::new(),
            },
        );
        self.sets.get_mut(&version)
    }

    /// A set version, for an administrator's edits.
    pub fn set_mut(&mut self, version: SetVersion) -> Option<&mut IndicatorSet> {
        self.sets.get_mut(&version)
    }
}

fn parse_row(record: &csv::StringRecord) -> Result<Indicator, String> {
    if record.len() != CSV_HEADER.len() {
        return Err(format!(
            "expected {} fields, found {}",
            CSV_HEADER.len(),
            record.len()
        ));
    }
    let field = |i: usize| record.get(i).unwrap_or("").trim();
    let number: IndicatorNumber = field(0)
        .parse()
        .map_err(|e: crate::ids::ParseError| e.to_string())?;
    let title = field(1);
    if title.is_empty() {
        return Err(format!("{number} has no title"));
    }
    let subject_group = field(2);
    if subject_group.is_empty() {
        return Err(format!("{number} has no subject group"));
    }
    let owner = match (field(3), field(4)) {
        ("", "") => Owner::Unassigned,
        (psa, "") => Owner::Psa(
            psa.parse()
                .map_err(|_| format!("psa '{psa}' is not a PSA number"))?,
        ),
        // Matched to the reference list, so "DEFRA" as printed is the one department `Defra`.
        ("", dept) => Owner::Dso(match crate::departments::canonical(dept) {
            Some(known) => known.code.clone(),
            None => Department::new(dept).map_err(|e| e.to_string())?,
        }),
        (_, _) => return Err(format!("{number} names both a PSA and a DSO department")),
    };
    let statutory = match field(5) {
        "true" => true,
        "false" => false,
        other => return Err(format!("statutory must be true or false, not '{other}'")),
    };
    let added_in: SetVersion = field(6)
        .parse()
        .map_err(|e: crate::ids::ParseError| e.to_string())?;
    let withdrawn_in = match field(7) {
        "" => None,
        v => Some(v.parse::<SetVersion>().map_err(|e| e.to_string())?),
    };
    if withdrawn_in.is_some_and(|w| w <= added_in) {
        return Err(format!("{number} is withdrawn no later than it is added"));
    }
    let laa_selections_2008 = match field(8) {
        "" => None,
        v => {
            let n: u16 = v
                .parse()
                .map_err(|_| format!("laa_selections_2008 '{v}' is not a count"))?;
            if n > 150 {
                return Err(format!(
                    "{number} is chosen by {n} areas, but there are only 150"
                ));
            }
            Some(n)
        }
    };
    let unit = Unit::parse(field(9)).map_err(|e| format!("{number}: {}", e.problem))?;
    let polarity = Polarity::parse(field(10)).map_err(|e| format!("{number}: {}", e.problem))?;
    Ok(Indicator {
        unit,
        polarity,
        number,
        title: title.to_owned(),
        subject_group: subject_group.to_owned(),
        owner,
        statutory,
        added_in,
        withdrawn_in,
        laa_selections_2008,
    })
}
