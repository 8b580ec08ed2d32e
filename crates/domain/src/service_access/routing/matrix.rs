//! Travel durations between the places of a problem. A problem that carries a matrix (e.g.
//! pasted from OSRM or Valhalla) is used as is; otherwise the default is the straight-line
//! (haversine) distance times a detour factor at a set speed, so no map service is needed.

use super::vroom::{Coordinates, Problem};

/// How the straight-line matrix turns distance into time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatrixOptions {
    /// Road distance over straight-line distance (우회 계수); 1.3 suits a city grid.
    pub detour_factor: f64,
    /// Average speed in km/h, stops and traffic included.
    pub speed_kmh: f64,
}

impl Default for MatrixOptions {
    fn default() -> Self {
        Self {
            detour_factor: 1.3,
            speed_kmh: 25.0,
        }
    }
}

/// Mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two `[lon, lat]` points.
pub fn haversine_m(a: Coordinates, b: Coordinates) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Travel seconds between two points under the straight-line model, rounded to whole seconds.
pub fn straight_line_seconds(a: Coordinates, b: Coordinates, options: &MatrixOptions) -> u64 {
    let metres_per_second = options.speed_kmh * 1000.0 / 3600.0;
    if metres_per_second <= 0.0 {
        return 0;
    }
    let seconds = haversine_m(a, b) * options.detour_factor / metres_per_second;
    // A finite, non-negative value by construction; `as` saturates anyway.
    seconds.round() as u64
}

/// A square duration matrix with the row of every job and vehicle end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub size: usize,
    /// Row-major, `size × size` seconds.
    pub seconds: Vec<u64>,
}

impl Matrix {
    pub fn get(&self, from: usize, to: usize) -> u64 {
        self.seconds
            .get(from * self.size + to)
            .copied()
            .unwrap_or(0)
    }

    fn from_rows(rows: &[Vec<u64>]) -> Matrix {
        Matrix {
            size: rows.len(),
            seconds: rows.iter().flat_map(|r| r.iter().copied()).collect(),
        }
    }

    /// The straight-line matrix over the given points.
    pub fn straight_line(points: &[Coordinates], options: &MatrixOptions) -> Matrix {
        let seconds = points
            .iter()
            .flat_map(|a| {
                points
                    .iter()
                    .map(move |b| straight_line_seconds(*a, *b, options))
            })
            .collect();
        Matrix {
            size: points.len(),
            seconds,
        }
    }
}

/// Where every job and vehicle end sits in the matrix of each vehicle.
#[derive(Debug, Clone)]
pub(super) struct Places {
    /// One matrix per distinct profile (or just the straight-line one).
    pub matrices: Vec<Matrix>,
    /// For each vehicle, which matrix it drives on.
    pub vehicle_matrix: Vec<usize>,
    /// For each profile matrix, the row of each job.
    pub job_row: Vec<Vec<usize>>,
    pub start_row: Vec<Option<usize>>,
    pub end_row: Vec<Option<usize>>,
}

/// The matrices and rows of a checked problem ([`Problem::check`]).
pub(super) fn places(problem: &Problem, options: &MatrixOptions) -> Places {
    let mut profiles: Vec<&str> = problem.vehicles.iter().map(|v| v.profile()).collect();
    profiles.sort_unstable();
    profiles.dedup();
    // Straight line for the profiles without a matrix: one point per distinct coordinate, so
    // a shared depot is one row. `Problem::check` made sure those places have coordinates.
    let mut points: Vec<Coordinates> = Vec::new();
    let mut row_of = |c: Coordinates| match points.iter().position(|p| *p == c) {
        Some(i) => i,
        None => {
            points.push(c);
            points.len() - 1
        }
    };
    let straight_jobs: Vec<usize> = problem
        .jobs
        .iter()
        .map(|j| row_of(j.location.unwrap_or_default()))
        .collect();
    let straight_ends: Vec<(Option<usize>, Option<usize>)> = problem
        .vehicles
        .iter()
        .map(|v| (v.start.map(&mut row_of), v.end.map(&mut row_of)))
        .collect();
    let straight = Matrix::straight_line(&points, options);
    let index_jobs: Vec<usize> = problem
        .jobs
        .iter()
        .map(|j| j.location_index.unwrap_or(0))
        .collect();

    let mut matrices = Vec::new();
    let mut job_row = Vec::new();
    for p in &profiles {
        match problem.durations(p) {
            Some(rows) => {
                matrices.push(Matrix::from_rows(rows));
                job_row.push(index_jobs.clone());
            }
            None => {
                matrices.push(straight.clone());
                job_row.push(straight_jobs.clone());
            }
        }
    }
    let mut places = Places {
        matrices,
        vehicle_matrix: Vec::new(),
        job_row,
        start_row: Vec::new(),
        end_row: Vec::new(),
    };
    for (v, vehicle) in problem.vehicles.iter().enumerate() {
        let m = profiles
            .iter()
            .position(|p| *p == vehicle.profile())
            .unwrap_or(0);
        places.vehicle_matrix.push(m);
        let (start, end) = if problem.durations(vehicle.profile()).is_some() {
            (vehicle.start_index, vehicle.end_index)
        } else {
            straight_ends[v]
        };
        places.start_row.push(start);
        places.end_row.push(end);
    }
    places
}

/// The straight-line matrix written into a copy of a problem that has none, with every
/// `location_index`, `start_index` and `end_index` set, so the file can go to an external VROOM
/// as is (it then drives on the same seconds as Minwon). A problem with a matrix is returned
/// unchanged.
pub fn with_matrix(problem: &Problem, options: &MatrixOptions) -> Problem {
    let mut out = problem.clone();
    // A problem with any matrix keeps it: VROOM shares one `location_index` across profiles,
    // so a straight-line matrix cannot sit beside a road one in the same file.
    if problem.matrix.is_some() || problem.matrices.values().any(|m| m.durations.is_some()) {
        return out;
    }
    let places = places(problem, options);
    let Some(m) = places.matrices.first() else {
        return out;
    };
    let rows = (0..m.size)
        .map(|r| (0..m.size).map(|c| m.get(r, c)).collect())
        .collect();
    out.matrix = None;
    out.matrices.insert(
        "car".to_owned(),
        super::vroom::Matrices {
            durations: Some(rows),
        },
    );
    for v in &mut out.vehicles {
        v.profile = None;
    }
    for (job, row) in out.jobs.iter_mut().zip(&places.job_row[0]) {
        job.location_index = Some(*row);
    }
    for (i, v) in out.vehicles.iter_mut().enumerate() {
        v.start_index = places.start_row[i];
        v.end_index = places.end_row[i];
    }
    out
}
