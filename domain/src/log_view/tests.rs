use super::*;

fn row(partition: i32, offset: i64, at_ms: i64) -> LogRow {
    LogRow {
        partition,
        offset,
        at_ms,
        kind: "order.created".into(),
        subject: Some(format!("o{offset}")),
        status: None,
        version: None,
        actor: None,
        json: String::new(),
    }
}

fn ids(rows: &[LogRow]) -> Vec<(i32, i64)> {
    rows.iter().map(|r| (r.partition, r.offset)).collect()
}

#[test]
fn records_decode_into_rows_and_garbage_is_still_shown() {
    let order = br#"{"v":1,"event_id":"e","type":"order.status_changed","order_id":"o1","user_id":"u1","status":"SHIPPED","order_version":3,"total_cents":5,"occurred_at":"2026-12-07T00:00:00Z","actor":"staff"}"#;
    let r = LogRow::decode(1, 42, 7, order);
    assert_eq!(
        (r.kind.as_str(), r.subject.as_deref(), r.status.as_deref(), r.version, r.actor.as_deref()),
        ("order.status_changed", Some("o1"), Some("SHIPPED"), Some(3), Some("staff"))
    );
    assert!(r.json.contains("\n  \"order_id\": \"o1\""), "indented: {}", r.json);
    let junk = LogRow::decode(0, 1, 7, b"{not json");
    assert_eq!((junk.kind.as_str(), junk.json.as_str()), ("unreadable", "{not json"));
}

#[test]
fn filters_match_a_type_a_prefix_and_a_subject() {
    let r = row(0, 1, 1);
    assert!(LogFilter::default().matches(&r));
    assert!(LogFilter { kind: Some("order.created".into()), subject: None }.matches(&r));
    assert!(LogFilter { kind: Some("order.".into()), subject: Some("o1".into()) }.matches(&r));
    assert!(!LogFilter { kind: Some("order.".into()), subject: Some("o2".into()) }.matches(&r));
    assert!(!LogFilter { kind: Some("order".into()), subject: None }.matches(&r), "a prefix ends in a dot");
    assert!(!LogFilter { kind: Some("product.".into()), subject: None }.matches(&r));
}

/// Two partitions, records interleaved in time: pages forward then back show the same rows.
#[test]
fn paging_forward_and_back_over_partitions_is_consistent() {
    // Partition 0 has offsets 0..6 at times 0,2,4,…; partition 1 offsets 0..6 at times 1,3,5,…
    let all: Vec<LogRow> = (0..6).flat_map(|o| [row(0, o, 2 * o), row(1, o, 2 * o + 1)]).collect();
    let scan = |p: i32, from: i64, forward: bool| {
        let mut rows: Vec<LogRow> = all.iter().filter(|r| r.partition == p && if forward { r.offset >= from } else { r.offset < from }).cloned().collect();
        rows.sort_by_key(|r| r.offset);
        Scanned { partition: p, start: from, reached: if forward { 6 } else { 0 }, rows }
    };
    let (first, newer, older) = merge_page(Direction::Forward, vec![scan(0, 0, true), scan(1, 0, true)], 5);
    assert_eq!(ids(&first), vec![(0, 2), (1, 1), (0, 1), (1, 0), (0, 0)], "the five oldest, newest first");
    assert_eq!(newer, vec![(0, 3), (1, 2)]);
    assert_eq!(older, vec![(0, 0), (1, 0)]);
    let (second, newer2, older2) = merge_page(Direction::Forward, vec![scan(0, 3, true), scan(1, 2, true)], 5);
    assert_eq!(ids(&second), vec![(1, 4), (0, 4), (1, 3), (0, 3), (1, 2)]);
    assert_eq!(older2, vec![(0, 3), (1, 2)]);
    // Back from the second page: the first page again.
    let (back, _, _) = merge_page(Direction::Back, vec![scan(0, older2[0].1, false), scan(1, older2[1].1, false)], 5);
    assert_eq!(ids(&back), ids(&first));
    // The last page is short, and its "newer" is the end of each partition.
    let (last, newer3, _) = merge_page(Direction::Forward, vec![scan(0, newer2[0].1, true), scan(1, newer2[1].1, true)], 5);
    assert_eq!(ids(&last), vec![(1, 5), (0, 5)]);
    assert_eq!(newer3, vec![(0, 6), (1, 6)]);
}

/// A partition whose matches all fall after the page keeps its position for the next page.
#[test]
fn a_partition_with_only_later_matches_starts_the_next_page_where_it_was() {
    let early = Scanned { partition: 0, start: 10, reached: 13, rows: vec![row(0, 10, 1), row(0, 11, 2), row(0, 12, 3)] };
    let late = Scanned { partition: 1, start: 4, reached: 6, rows: vec![row(1, 4, 50), row(1, 5, 60)] };
    let (rows, newer, _) = merge_page(Direction::Forward, vec![early, late], 3);
    assert_eq!(ids(&rows), vec![(0, 12), (0, 11), (0, 10)]);
    assert_eq!(newer, vec![(0, 13), (1, 4)]);
}

#[test]
fn positions_round_trip_and_refuse_garbage() {
    let p = vec![(0, 12), (1, 40), (2, 7)];
    assert_eq!(positions_from_text(&positions_to_text(&p)), Some(p));
    assert_eq!(positions_from_text("0:1,x:2"), None);
    assert_eq!(positions_from_text("0-1"), None);
    assert_eq!(positions_from_text(&"0:1,".repeat(400)), None);
}

#[test]
fn lag_is_what_the_consumer_has_not_read() {
    let h = PartitionHealth { partition: 0, earliest: 0, high_watermark: 10, consumer_position: Some(7) };
    assert_eq!(h.lag(), Some(3));
    assert_eq!(PartitionHealth { consumer_position: None, ..h.clone() }.lag(), None);
    assert_eq!(PartitionHealth { consumer_position: Some(12), ..h }.lag(), Some(0));
}

#[test]
fn the_form_reads_into_a_query_or_says_what_is_wrong() {
    let q = LogQuery::from_form("", "", "", "", "", "", "").unwrap();
    assert_eq!((q.partition, q.start, q.page, q.filter), (None, LogStart::Latest, None, LogFilter::default()));
    let q = LogQuery::from_form("2", "offset", " 17 ", "order.", " 01JORDER ", "", "").unwrap();
    assert_eq!((q.partition, q.start), (Some(2), LogStart::Offset(17)));
    assert_eq!(q.filter, LogFilter { kind: Some("order.".into()), subject: Some("01JORDER".into()) });
    assert_eq!(LogQuery::from_form("", "time", "2026-12-07T10:30", "", "", "", "").unwrap().start, LogStart::Time(1_796_639_400_000));
    assert_eq!(LogQuery::from_form("", "time", "2026-12-07T10:30:15", "", "", "", "").unwrap().start, LogStart::Time(1_796_639_415_000));
    let q = LogQuery::from_form("all", "earliest", "", "", "", "older", "0:5,1:9").unwrap();
    assert_eq!(q.page, Some((Direction::Back, vec![(0, 5), (1, 9)])));
    for (form, says) in [
        (["x", "", "", "", "", "", ""], "not a partition"),
        (["-1", "", "", "", "", "", ""], "not a partition"),
        (["", "offset", "abc", "", "", "", ""], "Give the offset"),
        (["", "time", "yesterday", "", "", "", ""], "Give the time"),
        (["", "soon", "", "", "", "", ""], "not a start"),
        (["", "", "", "", "", "sideways", ""], "not a page direction"),
        (["", "", "", "", "", "newer", "garbage"], "damaged"),
    ] {
        let e = LogQuery::from_form(form[0], form[1], form[2], form[3], form[4], form[5], form[6]).unwrap_err();
        assert!(e.contains(says), "{form:?}: {e}");
    }
}
