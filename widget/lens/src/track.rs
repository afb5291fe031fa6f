//! When to take the shot by itself: the receipt outlined in frame after
//! frame, its corners still, nothing to advise. Pure, so that it is tested on
//! the host; [`crate::viewfinder`] feeds it what each frame shows.

use vision::Quad;

use crate::advice;

/// A receipt is outlined in this frame.
pub const OUTLINED: u32 = 1 << 8;
/// ... held still and well shot for long enough: take it now.
pub const READY: u32 = 1 << 9;
/// ... and it is the receipt (or part) taken last, not taken again.
pub const TAKEN: u32 = 1 << 10;

/// Frames in a row the outline must hold still before the shot (about a
/// third of a second at the viewfinder's pace).
const STILL_FRAMES: u32 = 4;
/// Still: no corner moved by more than this share of the frame's diagonal
/// since the frame before.
const STILL: f32 = 0.015;
/// Frames without an outline after which the receipt counts as gone (the
/// next one shown is a new receipt, or the next part of a long one).
const GONE_FRAMES: u32 = 3;
/// An outline overlapping the one last shot by less than this is another
/// receipt, or another part of one.
const SAME: f32 = 0.6;
/// Advice that holds the shot back (a slant is not: the shot is straightened).
const BLOCKING: u32 = advice::NO_RECEIPT
    | advice::MOVE_CLOSER
    | advice::TOO_DARK
    | advice::GLARE
    | advice::HOLD_STILL;

/// What the viewfinder has seen lately.
#[derive(Debug, Default)]
pub struct Tracker {
    last: Option<Quad>,
    still: u32,
    gone: u32,
    /// The outline when the last shot was taken: not taken twice.
    shot: Option<Quad>,
}

impl Tracker {
    /// Takes in a frame's outline (`None`: no receipt) and advice bits, in a
    /// frame whose diagonal is `diagonal` pixels; answers the advice bits with
    /// [`OUTLINED`] and [`READY`] added where they hold.
    pub fn see(&mut self, outline: Option<Quad>, advice: u32, diagonal: f32) -> u32 {
        let Some(quad) = outline else {
            self.last = None;
            self.still = 0;
            self.gone += 1;
            if self.gone >= GONE_FRAMES {
                self.shot = None;
            }
            return advice;
        };
        self.gone = 0;
        let moved = self.last.map_or(f32::MAX, |last| {
            (0..4)
                .map(|i| last.0[i].distance(quad.0[i]))
                .fold(0.0, f32::max)
                / diagonal.max(1.0)
        });
        self.still = if moved <= STILL { self.still + 1 } else { 0 };
        self.last = Some(quad);
        if self.shot.is_some_and(|shot| shot.iou(&quad) < SAME) {
            self.shot = None;
        }
        let ready = self.still >= STILL_FRAMES && advice & BLOCKING == 0 && self.shot.is_none();
        let taken = if self.shot.is_some() { TAKEN } else { 0 };
        advice | OUTLINED | taken | if ready { READY } else { 0 }
    }

    /// The outline seen last, in the frame's pixels.
    pub fn outline(&self) -> Option<Quad> {
        self.last
    }

    /// A shot was taken (by itself or by the shutter): not again of this
    /// receipt until it moves away or another is shown.
    pub fn shot(&mut self) {
        self.shot = self.last;
        self.still = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision::Point;

    fn quad(dx: f32) -> Quad {
        Quad([
            Point::new(100.0 + dx, 100.0),
            Point::new(300.0 + dx, 100.0),
            Point::new(300.0 + dx, 500.0),
            Point::new(100.0 + dx, 500.0),
        ])
    }

    const DIAGONAL: f32 = 800.0;

    #[test]
    fn a_still_receipt_is_taken_once_and_again_only_after_it_went() {
        let mut tracker = Tracker::default();
        let answers: Vec<u32> = (0..STILL_FRAMES + 1)
            .map(|_| tracker.see(Some(quad(0.0)), 0, DIAGONAL))
            .collect();
        assert!(answers.iter().all(|a| a & OUTLINED != 0));
        assert_eq!(answers.iter().filter(|a| *a & READY != 0).count(), 1);
        assert_ne!(answers[STILL_FRAMES as usize] & READY, 0);
        tracker.shot();
        for _ in 0..10 {
            assert_eq!(tracker.see(Some(quad(0.0)), 0, DIAGONAL), OUTLINED | TAKEN);
        }
        // Taken away and shown again: a new shot.
        for _ in 0..GONE_FRAMES {
            assert_eq!(
                tracker.see(None, advice::NO_RECEIPT, DIAGONAL),
                advice::NO_RECEIPT
            );
        }
        let ready =
            (0..STILL_FRAMES + 1).any(|_| tracker.see(Some(quad(0.0)), 0, DIAGONAL) & READY != 0);
        assert!(ready);
    }

    #[test]
    fn a_moving_or_blurred_receipt_is_not_taken_but_one_moved_on_to_its_next_part_is() {
        let mut tracker = Tracker::default();
        // Moving 2% of the diagonal each frame.
        for i in 0..20 {
            let seen = tracker.see(Some(quad(i as f32 * 16.0)), 0, DIAGONAL);
            assert_eq!(seen & READY, 0, "frame {i}");
        }
        let mut tracker = Tracker::default();
        for _ in 0..20 {
            let seen = tracker.see(Some(quad(0.0)), advice::HOLD_STILL, DIAGONAL);
            assert_eq!(seen, advice::HOLD_STILL | OUTLINED);
        }
        // Seen at a slant only: taken (it is straightened).
        let ready = (0..=STILL_FRAMES)
            .any(|_| tracker.see(Some(quad(0.0)), advice::TILTED, DIAGONAL) & READY != 0);
        assert!(ready);
        tracker.shot();
        // The phone moved down the receipt by half its outline: another part.
        let ready =
            (0..=STILL_FRAMES).any(|_| tracker.see(Some(quad(150.0)), 0, DIAGONAL) & READY != 0);
        assert!(ready);
    }
}
