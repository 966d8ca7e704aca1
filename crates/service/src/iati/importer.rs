//! The import of one IATI file: the splitter's activities read one at a time, through the TC
//! gate and the country filter, into draft requests, with every activity left out listed with
//! its reason and every problem located in the file. One bad activity never stops the file.

use std::collections::VecDeque;
use std::io::Read;

use tcscreen_core::{Code, Json};

use super::activity::{self, Activity};
use super::gate::{self, Verdict};
use super::mapping::{self, ImportOptions};
use super::problem::ImportProblem;
use super::splitter::{Piece, RawActivity, Splitter};
use super::tally::Place;
use crate::plural;

/// A draft request made from an activity for one recipient country.
#[derive(Clone, Debug)]
pub struct Draft {
    /// The activity's identifier (the request's `id`).
    pub identifier: String,
    /// The recipient country.
    pub country: String,
    /// Where the activity starts in the file.
    pub place: Place,
    /// The request.
    pub request: Json,
    /// `closed`, `cancelled`, `tc_code_only`, `not_tc`.
    pub flags: Vec<&'static str>,
}

/// Why an activity was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The TC gate found no sign of technical co-operation.
    NotTc,
    /// It is not for the country asked for; the countries it is for.
    OtherCountries(Vec<String>),
}

/// An activity left out, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    /// Its identifier.
    pub identifier: String,
    /// Where it starts in the file.
    pub place: Place,
    /// Why.
    pub reason: SkipReason,
}

impl Skipped {
    /// The reason in a phrase, for people.
    pub fn reason_text(&self) -> String {
        match &self.reason {
            SkipReason::NotTc => "not technical co-operation: no TC aid type (D01, D02, E01, E02), no TC words in its title or description, no TC agency implementing it".into(),
            SkipReason::OtherCountries(countries) => format!(
                "for {} only, not the country asked for",
                countries.join(", ")
            ),
        }
    }
}

/// What importing an activity gave.
#[derive(Clone, Debug)]
pub enum Imported {
    /// A draft request.
    Draft(Box<Draft>),
    /// An activity left out.
    Skipped(Skipped),
    /// A problem with the file or an activity.
    Problem(ImportProblem),
}

/// The counts of an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Activities found in the file.
    pub activities: usize,
    /// Activities the TC gate let through.
    pub tc: usize,
    /// Left out: not TC.
    pub not_tc: usize,
    /// Left out: for other countries.
    pub other_country: usize,
    /// Problems (activities skipped, or the file).
    pub problems: usize,
    /// Requests made.
    pub requests: usize,
    /// Requests flagged: closed or cancelled activities.
    pub over: usize,
    /// Requests flagged: TC by code only.
    pub code_only: usize,
}

impl ImportCounts {
    /// Add another file's counts.
    pub fn add(&mut self, other: &ImportCounts) {
        self.activities += other.activities;
        self.tc += other.tc;
        self.not_tc += other.not_tc;
        self.other_country += other.other_country;
        self.problems += other.problems;
        self.requests += other.requests;
        self.over += other.over;
        self.code_only += other.code_only;
    }

    /// One line for the command line's stderr.
    pub fn summary(&self) -> String {
        let mut left_out = Vec::new();
        if self.not_tc > 0 {
            left_out.push(format!("{} not TC", self.not_tc));
        }
        if self.other_country > 0 {
            left_out.push(format!("{} for other countries", self.other_country));
        }
        let mut line = format!(
            "{} {} read, {} technical co-operation; {} {} made",
            self.activities,
            plural(self.activities, "activity", "activities"),
            self.tc,
            self.requests,
            plural(self.requests, "request", "requests"),
        );
        if !left_out.is_empty() {
            line.push_str(&format!("; left out: {}", left_out.join(", ")));
        }
        if self.problems > 0 {
            line.push_str(&format!(
                "; {} {} (above)",
                self.problems,
                plural(self.problems, "problem", "problems")
            ));
        }
        let mut flagged = Vec::new();
        if self.over > 0 {
            flagged.push(format!("{} closed or cancelled", self.over));
        }
        if self.code_only > 0 {
            flagged.push(format!("{} TC by aid type only", self.code_only));
        }
        if !flagged.is_empty() {
            line.push_str(&format!("; flagged: {}", flagged.join(", ")));
        }
        line
    }
}

/// The import of one file, as an iterator of what each activity gave.
pub struct Importer<R: Read> {
    splitter: Splitter<R>,
    options: ImportOptions,
    queue: VecDeque<Imported>,
    counts: ImportCounts,
}

impl<R: Read> Importer<R> {
    /// Import `source` with `options`.
    pub fn new(source: R, options: ImportOptions) -> Importer<R> {
        Self::from_splitter(Splitter::new(source), options)
    }

    /// Import what `splitter` cuts out.
    pub fn from_splitter(splitter: Splitter<R>, options: ImportOptions) -> Importer<R> {
        Importer {
            splitter,
            options,
            queue: VecDeque::new(),
            counts: ImportCounts::default(),
        }
    }

    /// The counts so far (final once the iterator is exhausted).
    pub fn counts(&self) -> ImportCounts {
        let mut counts = self.counts;
        counts.activities = self.splitter.activities();
        counts
    }

    /// The options.
    pub fn options(&self) -> &ImportOptions {
        &self.options
    }

    fn problem(&mut self, problem: ImportProblem) {
        self.counts.problems += 1;
        self.queue.push_back(Imported::Problem(problem));
    }

    fn take(&mut self, raw: &RawActivity) {
        let activity = match activity::read(raw) {
            Ok(activity) => activity,
            Err(problem) => return self.problem(problem),
        };
        let verdict = gate::judge(&activity);
        if verdict.is_tc() {
            self.counts.tc += 1;
        } else if !self.options.all {
            self.counts.not_tc += 1;
            self.queue.push_back(Imported::Skipped(Skipped {
                identifier: activity.identifier,
                place: raw.place,
                reason: SkipReason::NotTc,
            }));
            return;
        }
        self.convert(&activity, &verdict, raw.place);
    }

    fn convert(&mut self, activity: &Activity, verdict: &Verdict, place: Place) {
        let parts = mapping::countries(activity);
        let problem = |code, message: String, help: &str| {
            ImportProblem::at(code, place, message)
                .activity(Some(&activity.identifier))
                .help(help)
        };
        if parts.is_empty() {
            let regions = if activity.regions.is_empty() {
                String::new()
            } else {
                format!(
                    " (it names the region {} only)",
                    activity.regions.join(", ")
                )
            };
            return self.problem(problem(
                Code::I035,
                format!("names no recipient country{regions}: it was skipped"),
                "a request is screened for one country: write it by hand, or ask the publisher to name the countries",
            ));
        }
        if activity.title.is_empty() {
            return self.problem(problem(
                Code::I036,
                "has no title in any language: it was skipped".into(),
                "ask the publisher to correct the record; the other activities are imported",
            ));
        }
        let wanted: Vec<_> = match &self.options.country {
            Some(country) => parts.iter().filter(|p| &p.country == country).collect(),
            None => parts.iter().collect(),
        };
        if wanted.is_empty() {
            self.counts.other_country += 1;
            self.queue.push_back(Imported::Skipped(Skipped {
                identifier: activity.identifier.clone(),
                place,
                reason: SkipReason::OtherCountries(
                    parts.iter().map(|p| p.country.clone()).collect(),
                ),
            }));
            return;
        }
        let flags = verdict.flags();
        for part in wanted {
            self.counts.requests += 1;
            self.counts.over += usize::from(verdict.over.is_some());
            self.counts.code_only += usize::from(verdict.code_only());
            let request = mapping::request(activity, part, verdict, &self.options);
            self.queue.push_back(Imported::Draft(Box::new(Draft {
                identifier: activity.identifier.clone(),
                country: part.country.clone(),
                place,
                request,
                flags: flags.clone(),
            })));
        }
    }
}

impl<R: Read> Iterator for Importer<R> {
    type Item = Imported;

    fn next(&mut self) -> Option<Imported> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            match self.splitter.next()? {
                Piece::Activity(raw) => self.take(&raw),
                Piece::Problem(problem) => self.problem(problem),
            }
        }
    }
}
