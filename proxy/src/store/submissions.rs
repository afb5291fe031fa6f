//! Submissions and their photos: stored whole or not at all, read back,
//! listed and exported for the brand.

use api::SubmissionStatus;
use providers::{MediaType, Photo};
use sqlx::Row;

use super::{
    Db, Listing, NewSubmission, Notify, SUBMISSION_COLUMNS, Stored, SubmissionRow, to_json, to_row,
};

impl Db {
    /// Stores a new submission with its photos, all or nothing. When the campaign
    /// already has a submission with this idempotency key, nothing is written and
    /// that submission's id is returned instead.
    pub async fn insert(&self, new: NewSubmission, notify: Notify) -> Result<Stored, sqlx::Error> {
        let now = self.clock.now_ms();
        let (status, outcome, duplicate_of) = match &new.duplicate {
            None => (SubmissionStatus::Queued, None, None),
            Some(caught) => (
                caught.status,
                Some(to_json(&caught.outcome)?),
                Some(caught.of.clone()),
            ),
        };
        // No offers is no column, as when the field was not sent.
        let offers = (!new.offers.is_empty())
            .then(|| to_json(&new.offers))
            .transpose()?;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO submissions (id, campaign, provider, idempotency_key, status, qr, merchant, user_id, offers, next_attempt_at, created_at, updated_at, qr_key, outcome, duplicate_of, content_hash, request_id, photo_match_of, document_key, photos_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
             ON CONFLICT (campaign, idempotency_key) DO NOTHING",
        )
        .bind(&new.id)
        .bind(&new.campaign)
        .bind(&new.provider)
        .bind(&new.idempotency_key)
        .bind(status.as_str())
        .bind(&new.qr)
        .bind(&new.merchant)
        .bind(&new.user_id)
        .bind(offers)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(&new.qr_key)
        .bind(outcome)
        .bind(duplicate_of)
        .bind(&new.content_hash)
        .bind(&new.request_id)
        .bind(&new.photo_match_of)
        .bind(&new.document_key)
        .bind(new.photos_until)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            let existing = sqlx::query(
                "SELECT id, content_hash FROM submissions WHERE campaign = $1 AND idempotency_key = $2",
            )
            .bind(&new.campaign)
            .bind(&new.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
            tx.rollback().await?;
            let id: String = existing.try_get("id")?;
            let hash: Option<String> = existing.try_get("content_hash")?;
            // Rows stored before digests were kept are taken at their word.
            return Ok(match hash {
                Some(hash) if hash != new.content_hash => Stored::Conflict,
                _ => Stored::Again(id),
            });
        }
        for hash in &new.photo_hashes {
            sqlx::query(
                "INSERT INTO photo_hashes (submission_id, campaign, hash, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&new.id)
            .bind(&new.campaign)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let held = new
            .duplicate
            .as_ref()
            .is_some_and(|caught| caught.status == SubmissionStatus::NeedsReview);
        if new.duplicate.is_some() && !held {
            // Decided already: its photos go nowhere and are not kept.
            self.commit_telling(tx, &new.id, true, notify).await?;
            return Ok(Stored::New(new.id));
        }
        for (position, photo) in new.photos.iter().enumerate() {
            sqlx::query(
                "INSERT INTO photos (submission_id, position, content_type, bytes) VALUES ($1, $2, $3, $4)",
            )
            .bind(&new.id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(photo.media_type.as_str())
            .bind(photo.bytes.as_ref())
            .execute(&mut *tx)
            .await?;
        }
        if held {
            // Held for a person, its photos kept: judged not a duplicate, it
            // goes on to the provider like any other.
            self.commit_telling(tx, &new.id, true, notify).await?;
            return Ok(Stored::New(new.id));
        }
        tx.commit().await?;
        Ok(Stored::New(new.id))
    }

    /// One submission by id.
    pub async fn get(&self, id: &str) -> Result<Option<SubmissionRow>, sqlx::Error> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| to_row(&r)).transpose()
    }

    /// The submission a provider account knows as `provider_ref`.
    pub async fn find_by_provider_ref(
        &self,
        provider: &str,
        provider_ref: &str,
    ) -> Result<Option<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE provider = $1 AND provider_ref = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider)
            .bind(provider_ref)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| to_row(&r)).transpose()
    }

    /// The photos of a submission, in the order they were uploaded.
    /// The bytes of a submission's photos, all told (what loading them takes).
    pub async fn photo_bytes(&self, id: &str) -> Result<u64, sqlx::Error> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(LENGTH(bytes)), 0) FROM photos WHERE submission_id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// The media types of a submission's kept photos, in order (none once
    /// they are gone).
    pub async fn photo_types(&self, id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT content_type FROM photos WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// One kept photo of a submission: its media type and bytes.
    pub async fn photo(
        &self,
        id: &str,
        position: i64,
    ) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT content_type, bytes FROM photos WHERE submission_id = $1 AND position = $2",
        )
        .bind(id)
        .bind(position)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("content_type")?, r.try_get("bytes")?)))
            .transpose()
    }

    pub async fn photos(&self, id: &str) -> Result<Vec<Photo>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT content_type, bytes FROM photos WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let content_type: String = r.try_get("content_type")?;
                let media_type = MediaType::from_mime(&content_type).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown photo type {content_type:?}").into())
                })?;
                Ok(Photo {
                    media_type,
                    bytes: bytes::Bytes::from(r.try_get::<Vec<u8>, _>("bytes")?),
                })
            })
            .collect()
    }

    /// A page of a campaign's submissions, newest first.
    pub async fn list(
        &self,
        campaign: &str,
        listing: &Listing,
    ) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        // Only the filters given are in the SQL (PostgreSQL cannot type a NULL
        // parameter compared to nothing), each with its own `$N`.
        let mut conditions = vec!["campaign = $1".to_owned()];
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if listing.status.is_some() {
            conditions.push(format!("status = {}", next()));
        }
        if listing.from.is_some() {
            conditions.push(format!("created_at >= {}", next()));
        }
        if listing.to.is_some() {
            conditions.push(format!("created_at < {}", next()));
        }
        if listing.user.is_some() {
            conditions.push(format!("user_id = {}", next()));
        }
        if listing.after.is_some() {
            // A row value: both databases seek the (campaign, created_at, id)
            // index to it, however deep the page.
            let (at, id) = (next(), next());
            conditions.push(format!("(created_at, id) < ({at}, {id})"));
        }
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE {}
             ORDER BY created_at DESC, id DESC LIMIT {}",
            conditions.join(" AND "),
            listing.limit
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(campaign);
        if let Some(status) = listing.status {
            query = query.bind(status.as_str());
        }
        if let Some(from) = listing.from {
            query = query.bind(from);
        }
        if let Some(to) = listing.to {
            query = query.bind(to);
        }
        if let Some(user) = &listing.user {
            query = query.bind(user.clone());
        }
        if let Some((at, id)) = &listing.after {
            query = query.bind(*at).bind(id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(to_row).collect()
    }

    /// Submissions held for a person (`needs_review`), of every campaign,
    /// oldest first: the console's review queue.
    pub async fn held(&self, limit: u32) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE status = $1
             ORDER BY created_at, id LIMIT {limit}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(SubmissionStatus::NeedsReview.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(to_row).collect()
    }

    /// The submissions a console search finds: the one with this id, a
    /// shopper's, or those of a receipt's QR code; newest first, at most
    /// `limit`. Each is an indexed lookup.
    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions
             WHERE id = $1 OR user_id = $1 OR qr = $1
             ORDER BY created_at DESC, id DESC LIMIT {limit}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(text)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(to_row).collect()
    }

    /// How many submissions `user` has, in every campaign (what erasing
    /// them would remove).
    pub async fn count_of_user(&self, user: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM submissions WHERE user_id = $1")
            .bind(user)
            .fetch_one(&self.pool)
            .await
    }

    /// Every submission of a campaign, oldest first (the CSV export).
    pub async fn export(&self, campaign: &str) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE campaign = $1
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(to_row).collect()
    }

    /// How many photos are held for a submission (used by tests and ops).
    pub async fn photo_count(&self, id: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE submission_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }
}
