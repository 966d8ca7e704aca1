//! The stable code of every problem tcscreen reports, with its title, its severity and its
//! long explanation (`tcscreen explain CODE`). Codes never change meaning; a new problem gets
//! a new code, added here, and every problem is built from one of these, so a code cannot be
//! emitted without an explanation.
//!
//! Letters: `E` screening stopped or failed, `H` the HTTP server (`tcscreen serve`), `I` input
//! request, `P` pack, `R` rule source, `L` lint (`check`), `S` signatures (`--trust`), `T` pack
//! tests.

use std::fmt;

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing; the pack still works.
    Warning,
    /// The pack cannot be used.
    Error,
}

macro_rules! codes {
    ($($code:ident $severity:ident $title:literal $explanation:literal,)*) => {
        /// A problem's code. Its [`Code::title`] is the variant's doc.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $title] $code,)*
        }

        impl Code {
            /// Every code, in the order `tcscreen explain` lists them.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// `P012`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }

            /// What the problem is, in a phrase.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$code => $title,)*
                }
            }

            /// What the problem means and how to fix it, in a paragraph.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$code => $explanation,)*
                }
            }

            /// Whether a pack or request with this problem can be used.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$code => Severity::$severity,)*
                }
            }
        }
    };
}

impl Code {
    /// The code written `text` (any case, spaces around ignored).
    pub fn parse(text: &str) -> Option<Code> {
        let text = text.trim().to_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

codes! {
    E001 Error "a safety net stopped a rule"
        "A rule ran past the wall-clock limit (10 s a rule, 20 s for all the rules of a request) or held more memory than the limit (1 GiB) before its operation budget ran out. These limits depend on the machine, so the result is never a decision and no record is written: the request is reported as not screened. A rule that trips them does something expensive in a single operation, such as sorting or copying a very large value in a loop.",
    E002 Error "a rule failed on a request"
        "The rule stopped with an error while screening this request (a field it used was not stated, a value of the wrong type, an index out of range, a limit reached, a `throw`), so the request has no decision: its record says `decision: null` and lists the error, and the requester's note says only that a check could not be completed. The line names the rule's file with the line and column, the request and its file. Fix the rule, often by testing a field before using it (`if request.x != () { … }`), and screen the request again; `tcscreen screen --trace` and `tcscreen test` show the rule at work.",
    H001 Error "the server is busy"
        "Every screening thread of `tcscreen serve` is working and the queue of requests waiting for one is full (`--jobs`, `--queue`). The answer is HTTP 503 with a `Retry-After` header: send the request again after that many seconds. To screen many requests, send them together to `POST /v1/screen/batch`, which waits for room instead of refusing. The same code says the screening threads have stopped, when the server is shutting down.",
    H002 Error "the server needs an access token or a sign-in"
        "The server was started with accounts (`--users FILE`) or with a shared token (`--token-file`), so every request must say who sends it. API clients send `Authorization: Bearer TOKEN`: a person's own token (made by an administrator with `tcscreen users token NAME`), or the shared token in the `--token-file` file (HTTP 401 otherwise). People sign in at the sign-in page with their account name and password, which begins a session that ends when they sign out, after an hour unused, or after ten hours. A server with the shared token alone serves other systems only: its pages need accounts.",
    H003 Error "the server refused a request from another site or host name"
        "A request that changes something came from a page of another site (its `Origin` is not the server's), or a page's form was not made by this server (its CSRF token is missing or old), or a server listening on loopback without a token was reached through a host name that is not a loopback name (`localhost`, `127.0.0.1`, `[::1]`), which is how DNS rebinding attacks look. HTTP 403. Use the server's own pages at the address it printed, or an API client that does not send `Origin`; reload a page whose form is out of date.",
    H004 Error "the HTTP request is not what the endpoint takes"
        "A query parameter (`as_of` not a date, an unknown `format`), a form field, the method, or the body's form is wrong. HTTP 400 or 405. `GET /v1/openapi.json` and docs/api.md describe every endpoint.",
    H005 Error "nothing was found at that address"
        "No endpoint or page at that path, no rule with that id in the packs in force, or no entry about that request in the register (screen it first: the server appends every screening to its register). HTTP 404.",
    H006 Error "the server keeps no register"
        "History and human decisions need a register: start `tcscreen serve` with `--register FILE`. Every screening made through the server is then appended to it, and decisions are recorded on them. HTTP 404.",
    H007 Error "a human decision was refused"
        "A person's decision is recorded on the latest screening of the request. It needs a name; departing from the screening's decision, or waiving rules, needs a reason; only rules that recorded a finding in that screening can be waived; and it cannot be dated before the screening. Nothing was appended. HTTP 422.",
    H008 Error "the register failed"
        "The register could not be written, synced or read (a full disk, a damaged file), or the thread that writes it stopped. HTTP 500. Nothing is appended after a failed write, so that the file is not built on a torn line: check it with `tcscreen register verify FILE` and see \"Repairing a damaged register\" in docs/audit.md, then restart the server.",
    H009 Error "the upload is too large"
        "A portfolio upload (several requests in one form) is larger than the server's upload limit (64 MiB). HTTP 413. Upload the portfolio in parts, or send the requests as JSON Lines to `POST /v1/screen/batch`, which streams them and has no total limit; each request is still held to the request limit (I005).",
    H010 Error "the server failed"
        "Part of the server's own work failed or stopped before it finished: listing the packs or a rule, screening a portfolio, validating a request, a replay or a reload, writing a record into the answer or into a download, or reading today's date from the system clock. It has nothing to do with the register (that is H008) or with what was sent. HTTP 500. The request was not completed, though a screening may already be in the register; send it again, and tell the server's operator if it fails again. A reload that stops leaves the packs in force unchanged.",
    H020 Error "the account may not do that"
        "The request was refused (HTTP 403) because the account that sent it does not have the role it takes: screening needs the role screener; recording a human decision, or screening as of another date than today or with a pack chosen by hand, needs the role decider; reloading the packs and the accounts needs the role admin. The server's shared token may only view and screen when the server has accounts, so that every decision names a person. An administrator gives roles with `tcscreen users add` (or removes and adds the account again).",
    H021 Error "too many failed attempts"
        "Too many sign-ins failed for this account (5 in 15 minutes), or too many sign-ins or access tokens failed from this address (20 in 15 minutes), so further attempts are refused until the window ends (HTTP 429 with `Retry-After`), even with the right password. Every attempt is in the server's log, with the account and the address. Wait, or ask an administrator to set a new password with `tcscreen users passwd NAME`.",
    I001 Error "the request file cannot be read as text"
        "The file is empty, is binary (it holds a NUL byte), or is not UTF-8. A request is one JSON object in a UTF-8 text file; a byte-order mark at the start is allowed. Save the file as UTF-8 JSON and screen it again.",
    I002 Error "the request is not valid JSON"
        "The text breaks JSON syntax at the place shown: a missing comma or quote, a trailing comma, single quotes, a number with a leading zero, or text after the closing brace. In a .json file there is one request; put several requests in a .jsonl file, one per line.",
    I003 Error "a key appears twice in one object"
        "JSON readers disagree on which of two equal keys wins, so tcscreen refuses the request. Keep one of the two; the message says where the first one is.",
    I004 Error "a number cannot be held exactly"
        "Every number is read as an exact decimal with at most 28 digits after the point and a size below 2^96. Rounding would change decisions silently, so such numbers are refused. Write the number with fewer digits, or as a string under `extensions` if it is only for reference.",
    I005 Error "the request is too large or too deeply nested"
        "A request may hold at most 4 MiB of text, 100,000 JSON values, and 32 levels of nesting. These limits make sure that any valid request can be screened within the rules' limits. Move bulky material (annexes, full texts) out of the request and cite it in `documents`.",
    I010 Error "a required field is missing"
        "Every request needs `id`, `country`, `title` and `received`. `null` counts as missing.",
    I011 Error "a field is not in the request schema"
        "The request has a key that `tcscreen/request/v1` does not define. The help line suggests the field you probably meant. Country-specific data goes under `extensions`, which accepts anything.",
    I012 Error "a value has the wrong type"
        "For example a string where a number is expected (`\"months\": \"six\"`) or an object where a list is expected. The message says what was expected.",
    I013 Error "a value is not one of the allowed values"
        "Enumerated fields (kinds, levels, outcomes…) take exactly the snake_case values listed in the schema. The help line suggests the closest allowed value.",
    I014 Error "a date is not a calendar date"
        "Dates are strings in the form YYYY-MM-DD and must exist (2025-02-30 does not).",
    I015 Error "a number is out of range"
        "Money and durations must not be negative and are at most 10^15 (1000000000000000: more than any budget in any currency, and small enough that rules can add every amount of a request exactly); a sector share is a percentage from 0 to 100.",
    I016 Error "a code is not in the expected format"
        "Countries are ISO 3166-1 alpha-2 codes in upper case (KH), currencies ISO 4217 codes in upper case (USD), sectors five-digit OECD DAC purpose codes written as strings (\"15110\").",
    I017 Error "a required text is empty"
        "`id` and `title` must hold at least one character that is not a space.",
    I018 Error "an id holds a control character"
        "Ids (`id`, `personnel[].id`, `counterparts[].id`, `capacity.indicators[].id`, and the references `personnel[].counterparts[]` and `exit.handover[].to`) are shown in decision notes, in the register and on terminals, and are matched against each other. They may not hold control characters (line breaks, tabs, escape, delete, C1 controls), the Unicode line and paragraph separators, or the characters that change the direction of text (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): such an id could make a note or a screen say something other than the record. Other text fields may hold them; they are shown escaped.",
    I019 Error "an id holds an invisible or look-alike character"
        "An id could pass for another: it holds an invisible character (a zero-width space or joiner, another format character, a Hangul filler such as U+3164, the blank Braille pattern, a space other than the ordinary space), a combining mark, or letters of two scripts whose letters look alike (Latin with Greek, Cyrillic, Armenian or Cherokee, as in `KH` written with a Cyrillic `К`). Such an id looks exactly like another id on a screen, in a note or in the register. Write the id with the characters it seems to have; other text fields may hold these characters, and human outputs show the invisible ones escaped.",
    I025 Error "the request was received before one of its own dates"
        "`received` is the date the coordination unit received the request; unless `--as-of` (or an authorised officer on the server) sets another, it is the screening date, and the screening date chooses the pack and the rules in force. A request cannot be received before its own documents exist, so `received` may not come before the request letter, the provider's approval, the approval of the terms of reference, the needs assessment, the sector forum's review, an endorsement, an attached document, or the start of a previous phase. A `received` date earlier than these would screen the request under older, possibly laxer rules chosen by whoever wrote the request. Set `received` to the day the request arrived, or correct the later date.",
    I030 Error "an IATI file is not well-formed XML or not UTF-8"
        "`tcscreen import iati` (and `screen FILE.xml`) reads IATI XML as providers publish it, in UTF-8. The place given is the file's line and column: a tag closed by another name, an unknown entity (`&nbsp;` is HTML, not XML), an attribute without quotes, a file cut short, or bytes in another encoding. A problem inside one activity skips that activity only; the others are imported. Download the file again, or ask the publisher for a corrected file; a file in another encoding is converted with `iconv -f ENCODING -t UTF-8`.",
    I031 Error "an IATI file declares a document type"
        "IATI files have no `<!DOCTYPE …>`. tcscreen refuses any document type declaration, whatever it holds, so that no entity is ever expanded (the \"billion laughs\" attack) and no external entity is ever fetched or read from disk. Nothing of the file is imported. Remove the declaration; a file that needs entities defined there is not an IATI file as published.",
    I032 Error "the XML is not an IATI activity file"
        "The file holds no `<iati-activity>` element: another kind of XML, an IATI organisation file (`<iati-organisations>`), or elements nested deeper than IATI wrappers go. Import the provider's activity file, as published on the IATI Registry or by the provider's portal; wrapped files (`<result><iati-activities>…`) are read as they are.",
    I033 Error "an IATI activity is too large"
        "One activity (or one XML item in the file) is larger than 32 MiB. Activities are read one at a time, so memory is bounded by the largest activity; a larger one is reported and skipped, and the rest of the file is read. A single item that large outside any activity stops the file. Ask the publisher why one activity is this large.",
    I034 Error "an IATI activity has no identifier"
        "Every IATI activity has an `<iati-identifier>`: it becomes the request's `id`, and is how the provider's record is found again (`import iati --attach … --identifier ID`). An activity without one, or with a blank one, is skipped; the others are imported. Ask the publisher to correct the record.",
    I035 Error "an IATI activity names no recipient country"
        "A request is screened against the pack of the country that receives the TC, so each request is made for one recipient country (`<recipient-country code=\"KH\">`, at activity level or on transactions). An activity for a region only, or for no place, cannot be screened for a country and is skipped. When you know the country, write the request by hand (`tcscreen schema --example`) or ask the publisher to name the countries.",
    I036 Error "an IATI activity cannot be converted"
        "The activity has no title in any language, or holds a value that cannot be read exactly: an amount, a percentage or a date that is not a number or an ISO date (`1,000.00`, `12%`, `2024/01/31`), or a recipient country code that is not two letters. The place is the element in the file. The activity is skipped rather than imported with a guess; the others are imported. Ask the publisher to correct the record.",
    L020 Warning "a rule asks for a change on a threshold with no source"
        "A number in `[params]` is a threshold with a source only when the pack's `[param_sources]` table names the source it comes from (`min_grant_usd = \"np-dcp-2014-size\"`, an id of the sources table). A figure no text gives (an illustrative line, a guess) may make a rule record a note, never a revise or reject: a requester would be told to change the request because of a number nobody decided. `check` warns for each `revise(…)` or `reject(…)` recorded in the branch taken when an `if` condition on such a param holds (read directly, or through a variable set from it). Record a note there instead, or cite the source of the figure in `[param_sources]`. Rules of the `data` criterion (the request's own consistency, with tolerances for rounding) are not counted; a threshold that only makes a finding milder (the `else` branch) is allowed.",
    L021 Error "a country pack whose sources have dates has no start date"
        "A country pack (one with `country`) whose sources have dates must say from when it applies (`valid_from`). Without it, the pack would apply to any date before its end, however early: a request whose screening date is moved back (a backdated `received`, an early `--as-of`) would be screened by it, under rules that did not exist then. Set `valid_from` to the date the policy the pack rests on was adopted.",
    P001 Error "a pack or rules folder cannot be read"
        "The folder or one of its files does not exist or cannot be opened. The default rules folder is ./rules; use --rules DIR or TCSCREEN_RULES.",
    P002 Error "pack.toml is not a valid manifest"
        "The manifest is not valid TOML, or has a key tcscreen does not know. The help line suggests the key you probably meant. Allowed keys: [pack] id, name, country, version, valid_from, valid_to, extends; [params] anything; [rules.\"<pack>/<rule>\"] disabled, outcome, policy, title.",
    P003 Error "a manifest value is not valid"
        "The pack id may hold letters, digits, `_` and `-`. The country is an ISO code in upper case. The version is a string. Dates are YYYY-MM-DD, and valid_to is not before valid_from.",
    P004 Error "a param cannot be used"
        "Params are TOML values: strings, integers, finite decimals, booleans, dates (read as YYYY-MM-DD strings), arrays and tables.",
    P005 Error "a rule setting is not valid"
        "A `[rules.\"<pack id>/<rule id>\"]` table names a rule by its full id and sets `disabled`, `outcome` (note, revise or reject), `policy` or `title`.",
    P006 Error "a pack holds a hidden file or a link"
        "Packs may not hold hidden files or symbolic links anywhere: what decides must be visible, and must be in the pack digest. Delete the file, or copy the linked file into the pack.",
    P007 Error "a pack holds a file it may not"
        "rules/ and lib/ hold only .rhai files; data/ holds only .json files, directly (no folders), with names usable as `data.<name>` (letters, digits, `_`). Move other files out of those folders.",
    P008 Error "two versions of a pack conflict"
        "Several folders may hold the same pack id with different versions whose validity ranges do not overlap. Two with the same version, or overlapping ranges, would make the choice of pack ambiguous.",
    P009 Error "a data table is not valid JSON"
        "data/*.json files are JSON, read with the same exact numbers as requests.",
    P010 Error "two rules of a pack share an id"
        "Rule ids must be unique within a pack: set `//! id:` in each rule, or rename a file (the default id is the path under rules/).",
    P011 Error "settings for a rule that does not exist"
        "A manifest adjusts a rule (`[rules.\"base/EX-99\"]`) that is not in the pack or its ancestors. Check the pack id and rule id; the help line suggests the closest.",
    P012 Error "packs extend each other in a cycle"
        "A pack cannot be its own ancestor. The message lists the cycle; remove one of the `extends`.",
    P013 Error "the ancestors cannot be ordered"
        "Two parents inherit from the same packs in opposite orders, so no consistent order exists (C3 linearisation). Reorder `extends`.",
    P014 Error "a pack extends a pack that does not exist"
        "`extends` names packs by id, found under the rules folder. The help line suggests the closest id.",
    P015 Error "a parent pack has several versions and none is valid"
        "When a parent has several versions, the one valid at the screening date is used. Screen with an --as-of date inside one version's validity.",
    P016 Error "a pack file is not a regular file"
        "The loader opens only regular files. A named pipe (FIFO) would make every command that loads the pack wait for ever, and a device such as /dev/zero never ends, so they are refused before anything is read, with the file named. The same holds for pack.sig, test files and the keys of --trust. Remove the file from the pack.",
    P017 Error "a pack file, or a pack, is too large"
        "The loader reads at most 8 MiB from one file (pack.toml, a rule, a lib/ module, a data table, a test file), 64 KiB from pack.sig and key files, and 32 MiB and 10,000 files and folders from one pack folder. The size is checked before the file is read. Split large data tables into smaller files or a pack of their own, and keep other material out of the pack folder. See docs/security.md.",
    P018 Error "a rule cites a source that is not in the sources table"
        "Once a pack or one of its ancestors has a sources table ([sources.<id>] in pack.toml), every `policy` line, and every `policy` override in a manifest, is a comma-separated list of source ids, or `none` for a rule that checks only the request's own consistency. Free text and unknown ids are refused, so that every citation a requester reads comes from an entry with its title, issuer, date, paragraph and verification status. The help line suggests the closest id.",
    P019 Error "a rule cites another country's policy"
        "A source with a `country` is that country's policy. A pack without a country (such as base) may cite only international sources; a country pack may cite international sources and its own country's, never another country's, so that no note for one country quotes another's rules. A country pack that tightens an inherited rule overrides its `policy` with its own source.",
    P020 Error "no pack can be chosen while packs are broken"
        "Automatic selection by country refuses to guess while any manifest under the rules folder is broken or versions conflict: the broken pack might have been the right one. Fix them (`tcscreen check`) or name the pack with --pack.",
    P021 Error "no pack fits the request"
        "No pack has the request's country and a validity covering the as-of date (or the pack named with --pack does not exist). The message lists the candidates.",
    P022 Error "several packs fit the request"
        "More than one pack for the country is valid on the as-of date. Make the validity ranges not overlap, or name one with --pack ID@VERSION.",
    P023 Error "a pack's inheritance reaches too far"
        "A rules folder holds at most 1,000 packs; a pack has at most 32 packs (by id) among its ancestors and at most 16 generations of `extends` above it (a pack that extends `base` has one). These are checked from the manifests when the packs are discovered, before anything is read, signed or compiled, so a folder of packs cannot make listing, checking, `--trust` or a reload take minutes or exhaust the stack. Extend the packs you need directly (`extends = [\"base\", \"regional\"]`) rather than through a chain, and keep only the packs in use in the rules folder.",
    P030 Error "a request was not screened because its pack cannot be used"
        "The pack chosen for the request does not load, does not compile, or is refused under --trust. The problems with the pack are printed once, before the first request that needed it.",
    P031 Warning "a pack named with --pack is not valid on the screening date"
        "The pack was chosen by --pack, so it screens the request, but its valid_from / valid_to do not cover the as-of date. The record names the pack and version, so the decision is traceable; leave --pack out to use the version valid on the date.",
    P032 Warning "a request was screened with the fallback pack"
        "The request's country has no pack valid on the screening date, and `--fallback-pack` (or the server's fallback) named a pack for such requests, usually `base`, the international commitments on technical co-operation. The request is screened, but not against its country's own policy: the record names the pack that decided (a pack of no country, or of another), and the decision note says that the country's own policy was not applied. Write a pack for the country (`tcscreen new`) to screen its requests against its policy.",
    P099 Error "the engine failed while compiling a pack"
        "An internal error in tcscreen or Rhai, not a problem of the pack. Please report it with the pack.",
    R001 Error "a rule has no front matter or misses a required key"
        "A rule file starts with `//!` lines: `title` and `criterion` are required; `id`, `policy`, `actor` and `description` are optional.",
    R002 Error "a front matter line is not valid"
        "Front matter lines are `//! key: value`. A line starting with `//!` and at least two more spaces continues the previous value. A key may appear once.",
    R003 Error "a front matter key is not known"
        "The keys are id, title, criterion, policy, actor and description.",
    R004 Error "the criterion is not known"
        "The criterion is one of policy_fit, demand_led, exit and data.",
    R005 Error "a rule id is not valid"
        "Rule ids are segments of letters, digits, `_`, `-` and `.` joined by `/`.",
    R006 Error "the actor is not known"
        "`actor` says who must act on the rule's findings, and groups them in the decision note: requester (the default), provider, both, coordination_unit (the unit's own follow-up, kept out of the requester's note), or none (information about the request as a whole, shown as a paragraph).",
    R010 Error "a pack defines a function with an API name"
        "Rules and lib/ modules may not define functions named reject, revise, note or after the helpers (is_blank, get, days_between, add_months, months_between, is_date, format_amount): a pack must not change what the API means.",
    R020 Error "a rule or module has a syntax error"
        "Rhai could not parse the file at the place shown. `eval` is refused here too: rules must be plain code.",
    R021 Error "a rule cannot be compiled"
        "Most often an import: rules import modules of their own pack's lib/ folder by name (`import \"dates\" as d;` for lib/dates.rhai), never a path outside it; or a module fails while loading.",
    L001 Error "a rule reads a request field that does not exist"
        "The rule reads a path that the request schema does not have. At run time this is a rule error, so the request would get no decision. The help line suggests the field you probably meant. Under `extensions` anything may be read.",
    L002 Error "a rule reads a param or data table the pack does not define"
        "Reading a missing key of params or data is a rule error. Define it in [params] or data/, or test it first (`\"name\" in params`) or read it with get(params, \"name\", default).",
    L003 Warning "a param or data table is never read"
        "The pack defines something no rule reads: a leftover, or a rule that misspells it.",
    L004 Error "a rule calls a function that does not exist"
        "Neither the rule API, Rhai's built-in functions, the rule itself nor the imported lib/ module defines the function. At run time this is a rule error. The help line suggests the closest name.",
    L005 Warning "a finding names a field that is not in the request"
        "The second argument of reject, revise and note is a dotted path of the request, like \"origin.tor.drafted_by\" or \"personnel[0].months\", so that people know what to change.",
    L006 Warning "a rule never records a finding"
        "The rule calls neither reject, revise nor note (nor a lib function that might), so it can never change anything.",
    L007 Warning "a rule cites no policy"
        "Every finding should say which policy clause asks for the change. Add `//! policy: …` to the rule's front matter.",
    L008 Warning "a rule that can decide cites an unverified source"
        "The rule can record revise or reject, and one of the sources it cites has `verified = false`: its wording was recalled or inferred, not checked against the document or a public source that quotes it. A rule that rests on an unverified source should only record notes until the source is checked: set `outcome = \"note\"` for the rule in pack.toml, or verify the source and set `verified = true`.",
    L009 Warning "a rule that can decide reads a placeholder table"
        "A data table whose top level holds `_placeholder` says that its content is not real data (for example a list that could not be read). A rule that reads it should only record notes until the table holds real data.",
    L010 Warning "a message names a request field by its path"
        "Requesters read messages in the decision note; they know \"the terms of reference\", not `origin.tor.drafted_by`. Name the field in words; the finding's second argument records the path, and the note shows it in words.",
    L011 Warning "a source is never cited"
        "The pack's sources table has an entry that no rule cites: a leftover, or a rule that misspells its id.",
    L012 Warning "a rule applies only after the pack becomes valid"
        "A rule of the pack (or a policy override it makes) cites only sources dated after the pack's `valid_from`: the rule does not run until its first source exists, so the pack applies a policy before it was adopted; check the source's date and the pack's validity. Or a rule, inherited or not, cites only sources dated after the pack's `valid_to`, so it can never run in this version: disable it there, saying why.",
    L013 Warning "a message or a source names a file"
        "Requesters have neither the pack's files nor the notes it was researched from. A citation names a document people can obtain (its title, issuer, date and paragraph); a message says what to change in plain words.",
    L014 Warning "a finding the pack lowers to a note gives no information text"
        "The pack's `outcome = \"note\"` lowers this rule's revise or reject to a note, which the requester reads as information: a request for a change (\"Remove …\", \"… and resubmit\") would then contradict the decision. Give the finding its information text with the map form, `revise(#{ message: \"…\", field: \"…\", information: \"…\" })`, stating the fact without asking for a change; it is recorded instead of the message when the outcome is lowered (docs/authoring.md, section 3.3).",
    L030 Error "a rule compares a number with text"
        "One side of the comparison is a number (a number field of the request, a number literal, a param written as a number) and the other is text (a text field, a date, a quoted literal, a param written in quotes). A number is never equal to text, and ordering them (`>`, `<`, …) is a rule error when it runs, so such a rule never fires as meant. Write the number without quotes, in the rule or under [params] in pack.toml, or compare values of the same kind.",
    L031 Warning "a rule uses an optional field without testing it"
        "Only `id`, `country`, `title` and `received` are always stated; every other value of a request may be left out, and rules then see `()`. Calling a method on it (`.len()`, `.to_upper()`), computing with it or passing it to a date helper fails the rule, and the request gets no decision. Test the field first (`if x != () { … }`, `is_blank(x)`), or give a default (`x ?? …`). Lists are never `()` (an absent list is `[]`), so `.len()` on a list needs no test.",
    L032 Warning "a money threshold is compared without the request's currency"
        "A param named after a currency (`max_total_without_steering_usd`, `min_grant_usd`) is an amount in that currency, and the rule reads it without ever reading a currency. A request budgeted in another currency would then be compared as if its amounts were in the threshold's: GBP 300,000 is not USD 300,000, and a rule may stay silent, or speak, for the wrong reason. Convert the amount first: the base pack's `lib/money.rhai` does it at the annual average rate of `data/usd_rates.json` published before the screening date (`money::compare_in(amount, request.finance.currency, params.NAME, \"USD\", data.usd_rates, as_of)`, which returns `()` when no rate applies); a pack that cannot import it copies the helper into its own `lib/`. When no rate applies, record a note that the threshold could not be applied rather than staying silent.",
    S001 Error "the trusted keys cannot be read"
        "--trust DIR names a folder of public keys (*.pub) made by `tcscreen keygen`. An empty folder is refused: it would trust nothing.",
    S002 Error "a pack is refused under --trust"
        "The pack is unsigned, signed by a key not in the trusted folder, signed for another pack or version, changed after signing (any file the loader reads, in the pack or an ancestor), or its signature does not verify. Review the change, then sign again with `tcscreen sign`.",
    T001 Error "a pack test file is not valid"
        "tests/*.json hold one case or an array of cases: { \"name\", \"request\" (a path relative to the test file, or an inline request), \"as_of\"?, \"expect\": { \"decision\"?, \"fires\"?, \"silent\"? } }.",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_lints_alone_may_be_warnings() {
        for &code in Code::ALL {
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(code));
            assert!(!code.title().is_empty() && code.explanation().len() > code.title().len());
            if code.severity() == Severity::Warning {
                assert!(
                    code.as_str().starts_with('L') || matches!(code, Code::P031 | Code::P032),
                    "{code}"
                );
            }
        }
        assert_eq!(Code::parse(" p012 "), Some(Code::P012));
        assert_eq!(Code::parse("P999"), None);
    }
}
