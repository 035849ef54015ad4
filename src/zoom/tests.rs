use super::*;

#[test]
fn a_batch_answer_reads_each_entry_on_its_own() {
    let answer: BatchAnswer = serde_json::from_str(
        r#"{"registrants":[
            {"email":"ana@example.com","registrant_id":"r1","join_url":"https://zoom.us/w/1"},
            {"email":"bo@example.com","registrant_id":""},
            {"join_url":"https://zoom.us/w/3"},
            "not an entry",
            {"email":null,"registrant_id":7}
        ]}"#,
    )
    .expect("an answer of any entries reads");
    let registered: Vec<_> = answer
        .registrants
        .into_iter()
        .filter_map(|entry| match entry {
            BatchEntry::Item(item) => item.registered(),
            BatchEntry::Unreadable(_) => None,
        })
        .map(|(email, registered)| (email, registered.registrant_id))
        .collect();
    assert_eq!(
        registered,
        [("ana@example.com".to_string(), "r1".to_string())]
    );
}
