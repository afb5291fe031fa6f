//! The campaigns' photo fingerprints, kept in memory by each instance so that
//! an upload is compared with every earlier photo of its campaign without
//! reading them all from the database: each lookup reads only the
//! fingerprints written since the last one (by any instance), compares in
//! memory (512 bits: eight XORs and popcounts a photo), and asks the database
//! only about the submissions whose photos came close, whose standing (a
//! duplicate itself, failed, another fiscal QR) may have changed since.
//!
//! Before, every upload read and decoded the whole window of its campaign's
//! fingerprints: a cost that grew with the campaign.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::store::{Db, HashMark, HashOwner, StoredHash};

use super::{PHOTO_DISTANCE, PhotoHash};

/// The bits of a fingerprint, as compared.
type Bits = [u64; 8];

/// Every campaign's fingerprints this instance has read.
#[derive(Debug, Default)]
pub struct PhotoIndex {
    campaigns: Mutex<HashMap<String, Arc<Mutex<Mirror>>>>,
}

/// One campaign's fingerprints since its window began, and how far they
/// were read.
#[derive(Debug, Default)]
struct Mirror {
    mark: HashMark,
    /// When each fingerprint's submission came (Unix ms); a fingerprint read
    /// twice is kept once.
    seen: HashMap<(HashOwner, Bits), i64>,
}

impl PhotoIndex {
    /// The earliest submission of `campaign` since `since` (Unix ms) with a
    /// photo like one of `hashes` that still counts as an original (neither
    /// a duplicate itself nor failed; with `qr_key`, without another fiscal
    /// QR), else [`crate::store::ERASED`] where an erased receipt's is.
    pub async fn find(
        &self,
        db: &Db,
        campaign: &str,
        since: i64,
        hashes: &[PhotoHash],
        qr_key: Option<&str>,
    ) -> Result<Option<String>, sqlx::Error> {
        let wanted: Vec<Bits> = hashes.iter().filter_map(bits).collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let mirror = self.mirror(campaign);
        let mark = lock(&mirror).mark;
        let (read, next) = db.photo_hashes_after(campaign, since, mark).await?;
        let near = {
            let mut mirror = lock(&mirror);
            mirror.add(read, next, since);
            mirror.near(&wanted, since)
        };
        db.first_original(&near, qr_key).await
    }

    fn mirror(&self, campaign: &str) -> Arc<Mutex<Mirror>> {
        lock(&self.campaigns)
            .entry(campaign.to_owned())
            .or_default()
            .clone()
    }
}

impl Mirror {
    /// Takes in what a read brought, and forgets what fell out of the window.
    fn add(&mut self, read: Vec<StoredHash>, next: HashMark, since: i64) {
        // Reads may finish out of order: the further place wins, and what
        // the other one brought again is kept once.
        self.mark = self.mark.furthest(next);
        for stored in read {
            let Some(bits) = PhotoHash::from_base64(&stored.hash)
                .ok()
                .as_ref()
                .and_then(bits)
            else {
                continue;
            };
            self.seen.insert((stored.owner, bits), stored.created_at);
        }
        self.seen.retain(|_, created_at| *created_at >= since);
    }

    /// Whose photos since `since` are like one of `wanted`: submissions
    /// oldest first, then erased receipts.
    fn near(&self, wanted: &[Bits], since: i64) -> Vec<HashOwner> {
        let mut near: Vec<(bool, i64, &HashOwner)> = self
            .seen
            .iter()
            .filter(|((_, bits), created_at)| {
                **created_at >= since && wanted.iter().any(|w| distance(w, bits) <= PHOTO_DISTANCE)
            })
            .map(|((owner, _), created_at)| {
                (matches!(owner, HashOwner::Erased(_)), *created_at, owner)
            })
            .collect();
        near.sort_by(|a, b| (a.0, a.1, id(a.2)).cmp(&(b.0, b.1, id(b.2))));
        near.dedup_by(|a, b| a.2 == b.2);
        near.into_iter()
            .map(|(_, _, owner)| owner.clone())
            .collect()
    }
}

fn id(owner: &HashOwner) -> &str {
    match owner {
        HashOwner::Submission(id) | HashOwner::Erased(id) => id,
    }
}

/// A fingerprint's bits, `None` for one not of the size compared here.
fn bits(hash: &PhotoHash) -> Option<Bits> {
    let bytes = hash.as_bytes();
    let mut out = [0u64; 8];
    if bytes.len() != out.len() * 8 {
        return None;
    }
    for (word, chunk) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        *word = u64::from_le_bytes(chunk.try_into().ok()?);
    }
    Some(out)
}

/// How many bits two fingerprints differ by.
fn distance(a: &Bits, b: &Bits) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(seed: u64) -> PhotoHash {
        let bytes: Vec<u8> = (0..64u64)
            .map(|i| {
                (seed
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(i as u32)
                    & 0xff) as u8
            })
            .collect();
        PhotoHash::from_bytes(&bytes).expect("64 bytes")
    }

    /// `base` with its first `n` bits turned over.
    fn flipped(base: &PhotoHash, n: usize) -> PhotoHash {
        let mut bytes = base.as_bytes().to_vec();
        for bit in 0..n {
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
        PhotoHash::from_bytes(&bytes).expect("64 bytes")
    }

    fn stored(owner: HashOwner, hash: &PhotoHash, created_at: i64) -> StoredHash {
        StoredHash {
            owner,
            hash: hash.to_base64(),
            created_at,
        }
    }

    #[test]
    fn the_distance_is_the_one_the_hashes_themselves_measure() {
        let (a, b) = (hash(1), hash(2));
        let ours = distance(&bits(&a).unwrap(), &bits(&b).unwrap());
        assert_eq!(ours, a.dist(&b));
        assert!(ours > PHOTO_DISTANCE, "two unrelated hashes are far apart");
        let near = flipped(&a, PHOTO_DISTANCE as usize);
        assert_eq!(
            distance(&bits(&a).unwrap(), &bits(&near).unwrap()),
            PHOTO_DISTANCE
        );
    }

    #[test]
    fn near_photos_come_oldest_first_then_erased_ones_each_once() {
        let photo = hash(7);
        let submission = |id: &str| HashOwner::Submission(id.to_owned());
        let mut mirror = Mirror::default();
        mirror.add(
            vec![
                stored(HashOwner::Erased("e".into()), &photo, 5),
                stored(submission("late"), &flipped(&photo, 10), 30),
                stored(
                    submission("early"),
                    &flipped(&photo, PHOTO_DISTANCE as usize),
                    20,
                ),
                stored(submission("other"), &hash(8), 10),
                stored(submission("gone"), &photo, 1),
            ],
            HashMark::default(),
            2,
        );
        // A read that brings some again (a transaction that was running).
        mirror.add(
            vec![stored(submission("late"), &flipped(&photo, 10), 30)],
            HashMark::default(),
            2,
        );
        assert_eq!(
            mirror.near(&[bits(&photo).unwrap()], 2),
            [
                submission("early"),
                submission("late"),
                HashOwner::Erased("e".into())
            ]
        );
        // The window moved on: what fell out of it is forgotten.
        mirror.add(Vec::new(), HashMark::default(), 25);
        assert_eq!(mirror.seen.len(), 1);
        assert_eq!(
            mirror.near(&[bits(&photo).unwrap()], 25),
            [submission("late")]
        );
    }
}
