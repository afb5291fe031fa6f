//! Points, quadrilaterals and the perspective between two of them.

/// A point in a frame's pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    fn minus(self, other: Self) -> Self {
        Self::new(self.x - other.x, self.y - other.y)
    }

    fn cross(self, other: Self) -> f32 {
        self.x * other.y - (self.y * other.x)
    }

    fn length(self) -> f32 {
        self.x.hypot(self.y)
    }

    /// How far it is from `other`.
    pub fn distance(self, other: Self) -> f32 {
        self.minus(other).length()
    }
}

/// A receipt's outline: its corners top-left, top-right, bottom-right,
/// bottom-left, as the receipt reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The whole of a frame of `width` x `height`.
    pub fn frame(width: u32, height: u32) -> Self {
        let (w, h) = (width as f32, height as f32);
        Self([
            Point::new(0.0, 0.0),
            Point::new(w, 0.0),
            Point::new(w, h),
            Point::new(0.0, h),
        ])
    }

    /// Its area (the shoelace formula; positive whatever the winding).
    pub fn area(&self) -> f32 {
        polygon_area(&self.0)
    }

    /// The quad with its corners ordered top-left, top-right, bottom-right,
    /// bottom-left: clockwise on screen, starting from the corner nearest
    /// the frame's top-left along the receipt's shorter sides.
    #[must_use]
    pub fn ordered(self) -> Self {
        let mut p = self.0;
        let centre = Point::new(
            p.iter().map(|q| q.x).sum::<f32>() / 4.0,
            p.iter().map(|q| q.y).sum::<f32>() / 4.0,
        );
        // Clockwise on screen (y down): by angle around the centre.
        p.sort_by(|a, b| {
            let (aa, ab) = (
                (a.y - centre.y).atan2(a.x - centre.x),
                (b.y - centre.y).atan2(b.x - centre.x),
            );
            aa.total_cmp(&ab)
        });
        // Start at the corner with the smallest x + y: the top-left.
        let first = (0..4)
            .min_by(|&i, &j| (p[i].x + p[i].y).total_cmp(&(p[j].x + p[j].y)))
            .unwrap_or(0);
        p.rotate_left(first);
        Self(p)
    }

    /// Its width and height as a receipt: the longer of each pair of opposite
    /// sides.
    pub fn size(&self) -> (f32, f32) {
        let [a, b, c, d] = self.0;
        let width = b.minus(a).length().max(c.minus(d).length());
        let height = d.minus(a).length().max(c.minus(b).length());
        (width, height)
    }

    /// How far its corners are from right angles, in degrees: the most any
    /// one is off (0 for a rectangle seen straight on).
    pub fn skew(&self) -> f32 {
        let p = self.0;
        (0..4)
            .map(|i| {
                let (prev, here, next) = (p[(i + 3) % 4], p[i], p[(i + 1) % 4]);
                let (u, v) = (prev.minus(here), next.minus(here));
                let cos = (u.x * v.x + (u.y * v.y)) / (u.length() * v.length()).max(1e-6);
                (cos.clamp(-1.0, 1.0).acos().to_degrees() - 90.0).abs()
            })
            .fold(0.0, f32::max)
    }

    /// Intersection over union with `other`: 1 for the same outline, 0 for
    /// outlines apart. Both must be convex.
    pub fn iou(&self, other: &Self) -> f32 {
        let inter = polygon_area(&clip(&self.0, &other.0));
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }

    /// Whether `point` lies inside (convex quad).
    pub fn contains(&self, point: Point) -> bool {
        let p = self.0;
        let sides: Vec<f32> = (0..4)
            .map(|i| p[(i + 1) % 4].minus(p[i]).cross(point.minus(p[i])))
            .collect();
        sides.iter().all(|s| *s >= 0.0) || sides.iter().all(|s| *s <= 0.0)
    }

    /// The quad scaled by `factor` about the origin (from a reduced frame
    /// back to the full one).
    #[must_use]
    pub fn scaled(self, factor: f32) -> Self {
        Self(self.0.map(|p| Point::new(p.x * factor, p.y * factor)))
    }
}

fn polygon_area(points: &[Point]) -> f32 {
    let n = points.len();
    let twice: f32 = (0..n).map(|i| points[i].cross(points[(i + 1) % n])).sum();
    twice.abs() / 2.0
}

/// `subject` clipped to the convex polygon `clip_to` (Sutherland-Hodgman).
fn clip(subject: &[Point], clip_to: &[Point]) -> Vec<Point> {
    // Both taken counter-clockwise in the maths sense (area sign positive).
    let oriented = |p: &[Point]| {
        let n = p.len();
        let twice: f32 = (0..n).map(|i| p[i].cross(p[(i + 1) % n])).sum();
        let mut v = p.to_vec();
        if twice < 0.0 {
            v.reverse();
        }
        v
    };
    let clip_to = oriented(clip_to);
    let mut out = oriented(subject);
    for i in 0..clip_to.len() {
        let (a, b) = (clip_to[i], clip_to[(i + 1) % clip_to.len()]);
        let inside = |p: Point| b.minus(a).cross(p.minus(a)) >= 0.0;
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let crossing = || {
                let (r, s) = (q.minus(p), b.minus(a));
                let t = a.minus(p).cross(s) / r.cross(s);
                Point::new(r.x * t + p.x, r.y * t + p.y)
            };
            match (inside(p), inside(q)) {
                (true, true) => out.push(q),
                (true, false) => out.push(crossing()),
                (false, true) => {
                    out.push(crossing());
                    out.push(q);
                }
                (false, false) => {}
            }
        }
        if out.is_empty() {
            break;
        }
    }
    out
}

/// The perspective that takes the unit square's corners (0,0), (1,0), (1,1),
/// (0,1) to `quad`'s: a 3x3 matrix, row by row, its last entry 1.
#[derive(Debug, Clone, Copy)]
pub struct Perspective([f32; 9]);

impl Perspective {
    /// From the unit square to `quad` (Heckbert's closed form).
    pub fn square_to(quad: &Quad) -> Self {
        let [p0, p1, p2, p3] = quad.0;
        let (sx, sy) = (p0.x - p1.x + p2.x - p3.x, p0.y - p1.y + p2.y - p3.y);
        if sx.abs() < 1e-6 && sy.abs() < 1e-6 {
            return Self([
                p1.x - p0.x,
                p2.x - p1.x,
                p0.x,
                p1.y - p0.y,
                p2.y - p1.y,
                p0.y,
                0.0,
                0.0,
                1.0,
            ]);
        }
        let (dx1, dy1) = (p1.x - p2.x, p1.y - p2.y);
        let (dx2, dy2) = (p3.x - p2.x, p3.y - p2.y);
        let den = dx1 * dy2 - (dx2 * dy1);
        let g = (sx * dy2 - (dx2 * sy)) / den;
        let h = (dx1 * sy - (sx * dy1)) / den;
        Self([
            (g * p1.x + (p1.x - p0.x)),
            (h * p3.x + (p3.x - p0.x)),
            p0.x,
            (g * p1.y + (p1.y - p0.y)),
            (h * p3.y + (p3.y - p0.y)),
            p0.y,
            g,
            h,
            1.0,
        ])
    }

    /// The perspective back: from the quad to the unit square.
    #[must_use]
    pub fn inverse(&self) -> Self {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let adjugate = [
            (e * i - (f * h)),
            (c * h - (b * i)),
            (b * f - (c * e)),
            (f * g - (d * i)),
            (a * i - (c * g)),
            (c * d - (a * f)),
            (d * h - (e * g)),
            (b * g - (a * h)),
            (a * e - (b * d)),
        ];
        // Any multiple of the adjugate is the inverse of a perspective.
        let last = adjugate[8];
        Self(if last.abs() > 1e-12 {
            adjugate.map(|v| v / last)
        } else {
            adjugate
        })
    }

    /// Where `(u, v)` of the unit square lands.
    pub fn apply(&self, u: f32, v: f32) -> Point {
        let m = self.0;
        let w = m[6] * u + m[7] * v + m[8];
        Point::new(
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        )
    }
}

/// The convex hull of `points`, counter-clockwise in the maths sense
/// (Andrew's monotone chain).
pub fn convex_hull(mut points: Vec<Point>) -> Vec<Point> {
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(points.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(points.iter())
        } else {
            Box::new(points.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2 {
                let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
                if b.minus(a).cross(p.minus(a)) <= 0.0 {
                    hull.pop();
                } else {
                    break;
                }
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The quadrilateral of largest area with its corners among `hull`'s
/// (convex, in order): each corner moved along the hull in turn while the
/// area grows.
pub fn largest_quad(hull: &[Point]) -> Option<Quad> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let area = |idx: &[usize; 4]| polygon_area(&idx.map(|i| hull[i]));
    // Start from four points a quarter of the hull apart.
    let mut idx = [0, n / 4, n / 2, 3 * n / 4];
    let mut best = area(&idx);
    loop {
        let mut improved = false;
        for corner in 0..4 {
            let (lo, hi) = (idx[(corner + 3) % 4], idx[(corner + 1) % 4]);
            // Candidates strictly between the neighbours, along the hull.
            let mut k = (lo + 1) % n;
            while k != hi {
                let mut trial = idx;
                trial[corner] = k;
                let a = area(&trial);
                if a > best + 1e-3 {
                    best = a;
                    idx = trial;
                    improved = true;
                }
                k = (k + 1) % n;
            }
        }
        if !improved {
            break;
        }
    }
    Some(Quad(idx.map(|i| hull[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32, side: f32) -> Quad {
        Quad([
            Point::new(x, y),
            Point::new(x + side, y),
            Point::new(x + side, y + side),
            Point::new(x, y + side),
        ])
    }

    #[test]
    fn overlap_is_measured_as_intersection_over_union() {
        let a = square(0.0, 0.0, 10.0);
        assert!((a.iou(&a) - 1.0).abs() < 1e-5);
        // Half of each over the other: 50 / 150.
        let b = square(5.0, 0.0, 10.0);
        assert!((a.iou(&b) - 1.0 / 3.0).abs() < 1e-4);
        assert_eq!(a.iou(&square(20.0, 20.0, 5.0)), 0.0);
    }

    #[test]
    fn the_perspective_takes_the_square_to_the_quad() {
        let quad = Quad([
            Point::new(10.0, 20.0),
            Point::new(110.0, 5.0),
            Point::new(130.0, 200.0),
            Point::new(0.0, 180.0),
        ]);
        let m = Perspective::square_to(&quad);
        for (corner, (u, v)) in quad
            .0
            .iter()
            .zip([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
        {
            let p = m.apply(u, v);
            assert!((p.x - corner.x).abs() < 1e-3 && (p.y - corner.y).abs() < 1e-3);
        }
    }

    #[test]
    fn the_largest_quad_of_a_rounded_rectangle_is_its_corners() {
        let mut points = Vec::new();
        for i in 0..=20 {
            let t = i as f32;
            points.extend([
                Point::new(t * 5.0, 0.0),
                Point::new(t * 5.0, 50.0),
                Point::new(0.0, t * 2.5),
                Point::new(100.0, t * 2.5),
            ]);
        }
        let quad = largest_quad(&convex_hull(points)).unwrap().ordered();
        assert!(
            quad.iou(&Quad([
                Point::new(0.0, 0.0),
                Point::new(100.0, 0.0),
                Point::new(100.0, 50.0),
                Point::new(0.0, 50.0),
            ])) > 0.999
        );
        assert_eq!(quad.0[0], Point::new(0.0, 0.0));
    }
}
