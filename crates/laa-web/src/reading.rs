//! How the pages read the record: every agreement's public record made
//! once per version, the latest round's kept whole and an earlier round's
//! kept packed ([`crate::packed`]) once one of its pages has been asked
//! for (until then only its brief is kept); the latest round's
//! [`Snapshot`] made once per change heard ([`ReadModel::latest`]) and an
//! earlier round's when one of its pages is asked for
//! ([`ReadModel::round`]).
//!
//! Memory is what this shape is for. After seven rounds the public records
//! of 1,050 agreements held whole came to 130 MB, most of the server's
//! peak; packed, a closed round's are a few megabytes, and unpacking a
//! round's 150 takes a fraction of the time their histories would take to
//! read and publish again. They are packed when first asked for rather
//! than on the first reading, which would then pack every earlier round's
//! records, most of which no one may ask for before the next start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use laa_core::publication::{Publication, publish};
use laa_core::{AgreementId, Catalogue};
use laa_store::{AgreementFilter, AgreementPlace, AreaRecord, Queries, StoreError};

use crate::changes::{Changes, Stamp};
use crate::kept::Slot;
use crate::model::{Brief, Published, Snapshot};
use crate::packed;

/// The most rows the store gives in one page.
const PAGE: u64 = 1_000;

/// An agreement's public record as kept.
#[derive(Clone)]
enum Record {
    /// Whole: an agreement of the latest round.
    Whole(Arc<Publication>),
    /// Packed: an agreement of an earlier round whose pages were asked for.
    Packed(Arc<[u8]>),
    /// Not kept: an agreement of an earlier round none of whose pages was
    /// asked for since it was made (made again from its history when one
    /// is, and kept packed from then on).
    Unkept,
}

/// An earlier round's public agreements in full, with what they were made
/// from: kept while the latest reading lists the round's agreements at
/// the same versions and the catalogue is the same. Changes heard in
/// other rounds (a negotiation under way in the latest) leave it as it is.
struct Earlier {
    /// The round.
    round: String,
    /// Its agreements and their versions, in id order.
    versions: Vec<(AgreementId, u64)>,
    /// The catalogue they were read with.
    catalogue: Arc<Catalogue>,
    /// Its public agreements, in id order.
    published: Vec<Published>,
}

/// What is kept of one agreement at one version.
struct Kept {
    /// The version it was made at.
    version: u64,
    /// The catalogue its brief's tally was counted with.
    catalogue: Arc<Catalogue>,
    /// Its brief and record; `None`: nothing of it is public.
    public: Option<(Brief, Record)>,
}

/// The public record of every agreement, each made once per version.
#[derive(Clone)]
pub struct ReadModel {
    store: Queries,
    kept: Arc<Mutex<HashMap<AgreementId, Kept>>>,
    changes: Changes,
    latest: Arc<Slot<Snapshot>>,
    /// The earlier round last asked for, in full.
    earlier: Arc<Mutex<Option<Arc<Earlier>>>>,
    /// Held while an earlier round is made, so that it is made once
    /// however many pages ask for it together.
    making_earlier: Arc<tokio::sync::Mutex<()>>,
}

impl ReadModel {
    /// A read model over `store`, read again as `changes` are heard.
    pub fn new(store: Queries, changes: Changes) -> Self {
        Self {
            store,
            kept: Arc::default(),
            changes,
            latest: Arc::default(),
            earlier: Arc::default(),
            making_earlier: Arc::default(),
        }
    }

    /// Reads the latest snapshot in the background, when changes are
    /// followed (so that it is kept): the first page after a start would
    /// otherwise wait for every agreement's public record to be made, 6 to
    /// 13 s after twenty years of rounds. A page asked for meanwhile waits
    /// for this same reading rather than beginning another.
    pub fn warm(&self) {
        if !self.changes.are_followed() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let model = self.clone();
        runtime.spawn(async move {
            if let Err(error) = model.latest().await {
                tracing::warn!(%error, "the public pages could not read the record as the server started");
            }
        });
    }

    /// The record read.
    pub fn store(&self) -> &Queries {
        &self.store
    }

    /// The moment, as far as what is kept goes ([`Changes::now`]).
    pub fn now(&self) -> Stamp {
        self.changes.now(&self.store.catalogue())
    }

    /// The latest round with a public agreement, in full, and every
    /// round's agreements in brief; made once per change heard, so the
    /// pages rendered between two changes share one reading.
    pub async fn latest(&self) -> Result<Arc<Snapshot>, StoreError> {
        self.latest.get(|| self.now(), || self.read_latest()).await
    }

    /// The snapshot of `round` (`None`: it has no public agreement). The
    /// latest round's is [`ReadModel::latest`]; an earlier one's is made
    /// from its packed records (see [`Earlier`] for how long it is kept).
    pub async fn round(&self, round: &str) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let latest = self.latest().await?;
        if latest.round.as_deref() == Some(round) {
            return Ok(Some(latest));
        }
        let versions: Vec<(AgreementId, u64)> = latest
            .briefs
            .iter()
            .filter(|b| b.round == round)
            .map(|b| (b.id.clone(), b.version))
            .collect();
        if versions.is_empty() {
            return Ok(None);
        }
        let catalogue = self.store.catalogue();
        let earlier = match self.earlier_kept(round, &versions, &catalogue) {
            Some(earlier) => earlier,
            None => {
                let _making = self.making_earlier.lock().await;
                match self.earlier_kept(round, &versions, &catalogue) {
                    Some(earlier) => earlier,
                    None => {
                        let earlier = Arc::new(Earlier {
                            round: round.to_owned(),
                            published: self.read_earlier(&latest, round).await?,
                            versions,
                            catalogue,
                        });
                        // Each use of the lock is one read or write: a
                        // poisoned one is still sound.
                        *self.earlier.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(earlier.clone());
                        earlier
                    }
                }
            }
        };
        Ok(Some(Arc::new(Snapshot {
            areas: latest.areas.clone(),
            round: Some(earlier.round.clone()),
            published: earlier.published.clone(),
            briefs: latest.briefs.clone(),
            rounds: latest.rounds.clone(),
        })))
    }

    /// The earlier round kept, if it is `round` at `versions` read with
    /// `catalogue`.
    fn earlier_kept(
        &self,
        round: &str,
        versions: &[(AgreementId, u64)],
        catalogue: &Arc<Catalogue>,
    ) -> Option<Arc<Earlier>> {
        self.earlier
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|e| {
                e.round == round && e.versions == versions && Arc::ptr_eq(&e.catalogue, catalogue)
            })
            .cloned()
    }

    /// Every area, in code order.
    async fn areas(&self) -> Result<Vec<AreaRecord>, StoreError> {
        let mut areas = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = self.store.list_areas(None, PAGE, after).await?;
            areas.extend(page);
            match next {
                Some(n) => after = Some(n),
                None => return Ok(areas),
            }
        }
    }

    /// Reads every agreement's place and makes what changed since it was
    /// last read: the latest round's snapshot.
    async fn read_latest(&self) -> Result<Snapshot, StoreError> {
        metrics::counter!("laa_web_readings_total").increment(1);
        let areas = Arc::new(self.areas().await?);
        let catalogue = self.store.catalogue();
        // Each agreement's place and version, not its state: a closed
        // agreement's public record is kept by version here, and reading
        // its state whole on every change heard would cost more than the
        // record it is not needed for.
        let places = self
            .store
            .agreement_places(&AgreementFilter::default())
            .await?;
        let mut briefs = Vec::new();
        let mut whole = Vec::new();
        // The latest round met so far: the records of rounds before it
        // are set aside as they are made, so that a first reading holds
        // no more than one round's whole at a time.
        let mut latest: Option<(u16, String)> = None;
        for place in places {
            let Some((brief, record)) = self.public_of(&place, &catalogue).await? else {
                continue;
            };
            let order = brief.round_order();
            if latest
                .as_ref()
                .is_none_or(|(year, name)| (*year, name.as_str()) < order)
            {
                latest = Some((order.0, order.1.to_owned()));
            }
            let before_latest = latest
                .as_ref()
                .is_some_and(|(year, name)| order < (*year, name.as_str()));
            if before_latest {
                self.set_aside(&place.id, &record);
            } else {
                whole.push((place, brief.round.clone(), record));
            }
            briefs.push(brief);
        }
        let round = latest.map(|(_, name)| name);
        let mut published = Vec::new();
        for (place, of_round, record) in whole {
            if round.as_ref() != Some(&of_round) {
                self.set_aside(&place.id, &record);
                continue;
            }
            let record = match record {
                Record::Whole(whole) => whole,
                // Set aside while its round was not the latest.
                other => {
                    let whole = self.whole(&place, other).await?;
                    self.keep(&place.id, place.version, Record::Whole(whole.clone()));
                    whole
                }
            };
            published.push(published_at(&place, record, &catalogue));
        }
        Ok(Snapshot {
            areas,
            round,
            published,
            rounds: Arc::new(Snapshot::rounds_of(&briefs)),
            briefs: Arc::new(briefs),
        })
    }

    /// An earlier round's public agreements, from the briefs of `latest`'s
    /// reading and their packed records.
    async fn read_earlier(
        &self,
        latest: &Snapshot,
        round: &str,
    ) -> Result<Vec<Published>, StoreError> {
        let catalogue = self.store.catalogue();
        let mut published = Vec::new();
        for brief in latest.briefs.iter().filter(|b| b.round == round) {
            let kept = {
                let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
                kept.get(&brief.id).and_then(|k| {
                    let (_, record) = k.public.as_ref()?;
                    Some((k.version, record.clone()))
                })
            };
            let Some((version, record)) = kept else {
                continue;
            };
            let place = AgreementPlace {
                id: brief.id.clone(),
                area: brief.area.clone(),
                region: brief.region,
                version,
            };
            let unkept = matches!(record, Record::Unkept);
            let record = self.whole(&place, record).await?;
            if unkept {
                match packed::pack(&record) {
                    Ok(bytes) => self.keep(&place.id, version, Record::Packed(bytes)),
                    // Made again from its history when next asked for.
                    Err(error) => {
                        tracing::warn!(%error, agreement = %place.id, "a public record could not be packed");
                    }
                }
            }
            published.push(published_at(&place, record, &catalogue));
        }
        Ok(published)
    }

    /// The brief and record of the agreement at `place`, from what is kept
    /// or its history (`None`: nothing of it is public).
    async fn public_of(
        &self,
        place: &AgreementPlace,
        catalogue: &Arc<Catalogue>,
    ) -> Result<Option<(Brief, Record)>, StoreError> {
        let kept = {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.get(&place.id)
                .filter(|k| k.version == place.version)
                .map(|k| (Arc::ptr_eq(&k.catalogue, catalogue), k.public.clone()))
        };
        let public = match kept {
            Some((_, None)) => return Ok(None),
            Some((true, Some(public))) => return Ok(Some(public)),
            // The same version read with another catalogue: the record
            // holds, the tally is counted again.
            Some((false, Some((_, record)))) => {
                let record = self.whole(place, record).await?;
                let brief = Brief::of(&published_at(place, record.clone(), catalogue));
                Some((brief, Record::Whole(record)))
            }
            None => self.made_from_history(place).await?.map(|record| {
                let brief = Brief::of(&published_at(place, record.clone(), catalogue));
                (brief, Record::Whole(record))
            }),
        };
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                place.id.clone(),
                Kept {
                    version: place.version,
                    catalogue: catalogue.clone(),
                    public: public.clone(),
                },
            );
        Ok(public)
    }

    /// Sets the agreement's record aside if it is kept whole: it is of an
    /// earlier round.
    fn set_aside(&self, id: &AgreementId, record: &Record) {
        if let Record::Whole(_) = record {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, record)) = kept.get_mut(id).and_then(|k| k.public.as_mut()) {
                *record = Record::Unkept;
            }
        }
    }

    /// Keeps the agreement's record as `record`, if what is kept of it is
    /// still of `version`.
    fn keep(&self, id: &AgreementId, version: u64, record: Record) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = kept.get_mut(id).filter(|k| k.version == version)
            && let Some((_, kept)) = k.public.as_mut()
        {
            *kept = record;
        }
    }

    /// The record whole: as it is kept, unpacked, or made again from its
    /// history (a record that does not unpack is made so too).
    async fn whole(
        &self,
        place: &AgreementPlace,
        record: Record,
    ) -> Result<Arc<Publication>, StoreError> {
        let unpacked = match record {
            Record::Whole(whole) => return Ok(whole),
            Record::Packed(bytes) => packed::unpack(&bytes).map_err(|error| {
                tracing::warn!(%error, agreement = %place.id, "a packed public record is made again from its history");
            }),
            Record::Unkept => Err(()),
        };
        match unpacked {
            Ok(whole) => Ok(Arc::new(whole)),
            Err(()) => self
                .made_from_history(place)
                .await?
                .ok_or_else(|| StoreError::Corrupt {
                    agreement: place.id.to_string(),
                    sequence: place.version,
                    problem: "a public record that no longer publishes".to_owned(),
                }),
        }
    }

    /// The public record of the agreement at `place`, from its history.
    async fn made_from_history(
        &self,
        place: &AgreementPlace,
    ) -> Result<Option<Arc<Publication>>, StoreError> {
        let events = self.store.events(&place.id, 1, place.version).await?;
        Ok(publish(place.id.clone(), events.iter().map(|e| &e.event)).map(Arc::new))
    }
}

/// The agreement at `place` with its record, read with `catalogue`.
fn published_at(
    place: &AgreementPlace,
    record: Arc<Publication>,
    catalogue: &Arc<Catalogue>,
) -> Published {
    Published {
        id: place.id.clone(),
        area: place.area.clone(),
        region: place.region,
        record,
        catalogue: catalogue.clone(),
    }
}
