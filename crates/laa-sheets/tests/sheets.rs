//! The sheets both ways: what is written reads back as the same rows (CSV
//! and XLSX), and every bad cell, header or size is refused, naming its row
//! and column.

use std::collections::BTreeMap;

use laa_core::agreement::IndicatorRef;
use laa_core::ids::LocalIndicatorCode;
use laa_core::{
    Baseline, Department, FinancialYear, IndicatorNumber, PlaceholderReason, RefreshId, Side,
    TargetRow, Terms, Unit, YearValue,
};
use laa_sheets::{Format, Sheet, SheetError, SheetTarget, TermsShown, parse, to_csv, to_xlsx};
use rust_decimal::Decimal;

fn year(s: &str) -> FinancialYear {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn values(unit: Unit, baseline: &str, years: [&str; 3]) -> Terms {
    let trajectory: BTreeMap<_, _> = ["2008/09", "2009/10", "2010/11"]
        .iter()
        .zip(years)
        .map(|(y, v)| {
            let value = match v.strip_prefix('@') {
                Some(round) => YearValue::Deferred {
                    to: RefreshId::new(round).unwrap(),
                },
                None => YearValue::Value(dec(v)),
            };
            (year(y), value)
        })
        .collect();
    Terms::values(
        unit,
        Baseline {
            value: dec(baseline),
            period: "2006/07".into(),
        },
        trajectory,
    )
    .unwrap()
}

fn ni(n: u16) -> IndicatorRef {
    IndicatorRef::National(IndicatorNumber::new(n).unwrap())
}

fn target(id: u32, indicator: IndicatorRef, terms: Option<Terms>) -> SheetTarget {
    SheetTarget {
        agreement: "kent-2008-11".into(),
        target: id,
        kind: "designated".into(),
        status: "draft".into(),
        shown: TermsShown::Offer(Side::Area),
        indicator,
        title: String::new(),
        terms,
        rationale: "the partnership's evidence base".into(),
        evidence: vec![],
        department: None,
        deal_breaker: false,
    }
}

/// Every kind of terms and text a row may hold.
fn sheet() -> Sheet {
    let mut rows = vec![
        target(
            1,
            ni(117),
            Some(values(Unit::Percent, "8.1", ["7.5", "6.9", "6.3"])),
        ),
        target(
            2,
            ni(15),
            Some(values(Unit::RatePer1000, "10.6", ["10.2", "9.9", "@2009"])),
        ),
        target(
            3,
            ni(4),
            Some(Terms::placeholder(
                PlaceholderReason::AwaitingSurvey,
                RefreshId::new("2009").unwrap(),
            )),
        ),
        target(
            4,
            IndicatorRef::Local {
                code: LocalIndicatorCode::new("l-graffiti").unwrap(),
                title: "Graffiti removed within a day, \"quoted\"".into(),
            },
            Some(values(Unit::Pounds, "-1200.5", ["-1000", "-800", "0"])),
        ),
        target(
            5,
            ni(163),
            Some(
                values(Unit::Percent, "70", ["69", "68", "67"])
                    .limiting_deterioration("the downturn, 2008"),
            ),
        ),
    ];
    rows[0].evidence = vec!["LSP evidence base 2007".into(), "Connexions data".into()];
    rows[0].deal_breaker = true;
    rows[1].department = Some(Department::new("HO").unwrap());
    rows[1].shown = TermsShown::Offer(Side::Government);
    rows[3].rationale = "=SUM(A1:A2) is not a formula here".into();
    // A statutory target awaiting terms: written, and passed over on reading.
    let mut awaiting = target(6, ni(130), None);
    awaiting.rationale.clear();
    awaiting.shown = TermsShown::Awaited;
    rows.push(awaiting);
    Sheet::new(rows, [])
}

fn expected_rows(sheet: &Sheet) -> Vec<TargetRow> {
    sheet
        .targets
        .iter()
        .filter_map(|t| {
            Some(TargetRow {
                indicator: t.indicator.clone(),
                terms: t.terms.clone()?,
                rationale: t.rationale.clone(),
                evidence: t.evidence.clone(),
                department: t.department.clone(),
                deal_breaker: t.deal_breaker,
                priority: None,
            })
        })
        .collect()
}

fn no_units(_: IndicatorNumber) -> Option<Unit> {
    None
}

#[test]
fn a_sheet_written_reads_back_as_the_same_rows_in_both_formats() {
    let sheet = sheet();
    for (format, bytes) in [
        (Format::Csv, to_csv(&sheet).unwrap()),
        (Format::Xlsx, to_xlsx(&sheet).unwrap()),
    ] {
        let read = parse(&bytes, format, &no_units).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(read.target_rows(), expected_rows(&sheet), "{format:?}");
        assert_eq!(
            read.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 3, 4, 5, 6],
            "{format:?}: rows numbered as the spreadsheet numbers them"
        );
        assert_eq!(read.skipped.len(), 1, "{format:?}");
        assert_eq!(
            (read.skipped[0].line, read.skipped[0].indicator.as_str()),
            (7, "NI 130")
        );
    }
}

#[test]
fn a_csv_cell_that_would_be_a_formula_is_written_guarded() {
    let csv = String::from_utf8(to_csv(&sheet()).unwrap()).unwrap();
    assert!(csv.contains("'=SUM(A1:A2)"), "{csv}");
}

const HEADER: &str = "indicator,unit,baseline,baseline period,2008/09,2009/10,2010/11,rationale";

fn read_csv(body: &str) -> Result<Vec<TargetRow>, SheetError> {
    let text = format!("{HEADER}\n{body}");
    let units = |n: IndicatorNumber| (n.get() == 117).then_some(Unit::Percent);
    parse(text.as_bytes(), Format::Csv, &units).map(|s| s.target_rows())
}

#[test]
fn an_indicator_is_read_in_every_spelling_people_use() {
    for spelling in ["117", "NI117", "NI 117", "ni117", "ni 117", "Ni-117"] {
        let rows = read_csv(&format!("{spelling},percent,8,2007,7,6,5,because"))
            .unwrap_or_else(|e| panic!("{spelling}: {e}"));
        assert_eq!(rows[0].indicator, ni(117), "{spelling}");
    }
    let rows = read_csv("local:L-Cycling,count,8,2007,9,10,11,because").unwrap();
    assert!(
        matches!(&rows[0].indicator, IndicatorRef::Local { code, .. } if code.as_str() == "l-cycling")
    );
}

#[test]
fn a_blank_unit_is_the_national_indicators_own() {
    let rows = read_csv("NI 117,,8,2007,7,6,5,because").unwrap();
    assert!(matches!(&rows[0].terms, Terms::Values(v) if v.unit == Unit::Percent));
}

/// Each bad row, and the problem it must be refused with (its row and
/// column named).
#[test]
fn every_bad_cell_is_named_by_its_row_and_column() {
    for (body, expected) in [
        (
            ",percent,8,2007,7,6,5,because",
            "row 2, column 'indicator': no indicator",
        ),
        (
            "NI 0,percent,8,2007,7,6,5,because",
            "row 2, column 'indicator': NI 0 is out of range",
        ),
        (
            "NI x17,percent,8,2007,7,6,5,because",
            "row 2, column 'indicator':",
        ),
        (
            "NI 117,furlongs,8,2007,7,6,5,because",
            "row 2, column 'unit': 'furlongs' is not a unit",
        ),
        (
            "NI 15,,8,2007,7,6,5,because",
            "row 2, column 'unit': NI 15's unit is not known here",
        ),
        (
            "local:l-x,,8,2007,7,6,5,because",
            "row 2, column 'unit': a local indicator states its unit",
        ),
        (
            "NI 117,percent,eight,2007,7,6,5,because",
            "row 2, column 'baseline': 'eight' is not a number",
        ),
        (
            "NI 117,percent,,2007,7,6,5,because",
            "row 2, column 'baseline': the baseline's value is required",
        ),
        (
            "NI 117,percent,8,last year,7,6,5,because",
            "row 2, column 'baseline period': 'last year' does not name the period",
        ),
        (
            "NI 117,percent,8,2007,7,600,5,because",
            "row 2, column '2009/10': 600 is not a percentage",
        ),
        (
            "NI 117,percent,8,2007,7,6,@never ever,because",
            "row 2, column '2010/11': 'never ever' is not a refresh round",
        ),
        (
            "NI 117,percent,8,2007,,,,because",
            "row 2: no values for the years",
        ),
        (
            "NI 117,percent,8,2007,7,6,5,",
            "row 2, column 'rationale': the argument for the terms is required",
        ),
        (
            "NI 117,percent,8,2007,7,6,5,because,extra",
            "row 2: it has cells beyond the last named column",
        ),
    ] {
        let error = read_csv(body).expect_err(body).to_string();
        assert!(
            error.contains(expected),
            "{body}\n  said: {error}\n  expected: {expected}"
        );
    }
}

#[test]
fn every_problem_of_a_sheet_is_reported_at_once() {
    let error = read_csv("NI 117,percent,eight,2007,7,6,5,because\nNI 117,percent,8,2007,7,6,5,\n")
        .unwrap_err();
    let SheetError::Cells(problems) = &error else {
        panic!("{error}")
    };
    assert_eq!(problems.iter().map(|p| p.row).collect::<Vec<_>>(), [2, 3]);
}

#[test]
fn the_header_row_is_required_and_checked() {
    for (text, expected) in [
        ("", "the sheet is empty"),
        (
            "NI 117,percent,8,2007\n",
            "row 1, column 'NI 117': not a column of the layout",
        ),
        (
            "indicator,baseline,baseline,rationale\n",
            "row 1, column 'baseline': this column is named twice",
        ),
        ("indicator,baseline\n", "there is no 'rationale' column"),
    ] {
        let error = parse(text.as_bytes(), Format::Csv, &no_units)
            .expect_err(text)
            .to_string();
        assert!(error.contains(expected), "{text:?}\n  said: {error}");
    }
}

#[test]
fn a_sheet_too_large_is_refused_clearly() {
    let too_big = vec![b' '; laa_sheets::MAX_FILE_BYTES + 1];
    let error = parse(&too_big, Format::Csv, &no_units).unwrap_err();
    assert!(matches!(error, SheetError::TooLarge(_)), "{error}");
    assert!(error.to_string().contains("at most 2 MiB"), "{error}");
    let body = "NI 117,percent,8,2007,7,6,5,because\n".repeat(laa_sheets::MAX_ROWS + 1);
    let error = read_csv(&body).unwrap_err();
    assert!(error.to_string().contains("more than 200 rows"), "{error}");
    // Exactly the limit is read.
    let body = "NI 117,percent,8,2007,7,6,5,because\n".repeat(laa_sheets::MAX_ROWS);
    assert_eq!(read_csv(&body).unwrap().len(), laa_sheets::MAX_ROWS);
}

#[test]
fn a_workbook_that_unpacks_too_large_is_refused_before_it_is_unpacked() {
    // A part of 40 MiB of spaces compresses to a few KiB.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    std::io::Write::write_all(&mut zip, &vec![b' '; 40 * 1024 * 1024]).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < laa_sheets::MAX_FILE_BYTES, "{}", bytes.len());
    let error = parse(&bytes, Format::Xlsx, &no_units).unwrap_err();
    assert!(matches!(error, SheetError::TooLarge(_)), "{error}");
    assert!(error.to_string().contains("unpacks to"), "{error}");
}

#[test]
fn bytes_that_are_not_the_format_are_refused() {
    let error = parse(b"not a workbook", Format::Xlsx, &no_units).unwrap_err();
    assert!(matches!(error, SheetError::Unreadable { .. }), "{error}");
    let error = parse(b"indicator,rationale\n\xff\xfe,x\n", Format::Csv, &no_units).unwrap_err();
    assert!(matches!(error, SheetError::Unreadable { .. }), "{error}");
}

#[test]
fn the_format_is_named_or_read_from_the_file_name() {
    assert_eq!(Format::from_file_name("targets.XLSX"), Some(Format::Xlsx));
    assert_eq!(Format::from_file_name("a.b.csv"), Some(Format::Csv));
    assert_eq!(Format::from_file_name("targets.ods"), None);
    assert!(Format::parse("ods").is_err());
}
