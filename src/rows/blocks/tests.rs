use super::*;
use crate::rows::records::RecordReader;
use proptest::prelude::*;

/// A reader that hands out at most `size` bytes a call, as pipes and slow disks do.
struct Pieces<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.size.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

type Records = Vec<(u64, Vec<String>)>;

/// Every record as `RecordReader` reads it, or `None` if it refuses the input.
fn by_record_reader(bytes: &[u8]) -> Option<Records> {
    let mut reader = RecordReader::new(bytes, b',');
    let mut out = Vec::new();
    while let Some(record) = reader.next_record().ok()? {
        let fields = record.fields().map(|f| String::from_utf8(f.to_vec()).ok());
        out.push((record.line, fields.collect::<Option<Vec<_>>>()?));
    }
    Some(out)
}

/// The header by `RecordReader`, then every record through the splitter and blocks.
fn by_blocks(bytes: &[u8], block_bytes: usize, read_size: usize) -> Result<Records, GiveUp> {
    let mut header_reader = RecordReader::new(bytes, b',');
    let mut out = Vec::new();
    let fields = match header_reader.next_record() {
        Ok(Some(header)) => {
            let fields = header.fields().map(|f| String::from_utf8(f.to_vec()).ok());
            let fields = fields.collect::<Option<Vec<_>>>();
            let fields = fields.ok_or(GiveUp("a header that is not UTF-8"))?;
            out.push((header.line, fields));
            header.len()
        }
        Ok(None) => return Ok(out),
        Err(_) => return Err(GiveUp("the header")),
    };
    let (offset, mut line) = header_reader.position();
    let pieces = Pieces {
        bytes: &bytes[offset as usize..],
        size: read_size,
    };
    let mut splitter = Splitter::new(pieces, b',').with_block_bytes(block_bytes);
    let mut block = Vec::new();
    while splitter
        .next_block(&mut block)
        .map_err(|_| GiveUp("a read failed"))?
    {
        let mut records = BlockRecords::new(&block, b',', fields)?;
        while let Some(record) = records.next_record()? {
            let cells = record
                .cells
                .iter()
                .map(|c| record.text[c.clone()].to_string());
            out.push((line + record.line, cells.collect()));
        }
        line += records.lines();
    }
    Ok(out)
}

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        5 => Just(b'"'),
        5 => Just(b','),
        4 => Just(b'\n'),
        2 => Just(b'\r'),
        8 => proptest::char::range('a', 'c').prop_map(|c| c as u8),
        1 => Just(b' '),
        1 => Just(0u8),
        1 => Just(0xC3),
        1 => Just(0xA9),
    ];
    proptest::collection::vec(byte, 0..200)
}

proptest! {
    #![proptest_config(crate::property_cases(1024))]

    #[test]
    fn blocks_give_exactly_the_records_of_the_record_reader(
        bytes in csv_like(), block_bytes in 1usize..40, read_size in 1usize..50,
    ) {
        let expected = by_record_reader(&bytes);
        match (by_blocks(&bytes, block_bytes, read_size), expected) {
            (Ok(ours), Some(theirs)) => prop_assert_eq!(ours, theirs),
            // Refused or not UTF-8: the blocks must give up too.
            (Ok(ours), None) => prop_assert!(false, "blocks read what RecordReader refuses: {:?}", ours),
            (Err(_), Some(_)) => prop_assert!(false, "blocks gave up on a good file"),
            (Err(_), None) => {}
        }
    }
}

#[test]
fn equal_bytes_marks_exactly_the_bytes_that_match() {
    let word = u64::from_le_bytes(*b",a,\x80\x7f,,\xac");
    let marked = equal_bytes(word, u64::from_ne_bytes([b','; 8]));
    assert_eq!(marked.to_le_bytes(), [0x80, 0, 0x80, 0, 0, 0x80, 0x80, 0]);
}

#[test]
fn quoted_line_ends_do_not_end_a_block() {
    let text = b"email,note\na@x.com,\"one\ntwo\"\nb@x.com,\"x,\"\"y\"\"\"\n";
    for block_bytes in 1..text.len() {
        let records = by_blocks(text, block_bytes, 7).expect("reads");
        assert_eq!(
            records,
            by_record_reader(text).expect("reads"),
            "{block_bytes}"
        );
    }
}

#[test]
fn gives_up_where_the_record_reader_refuses() {
    for text in [
        &b"email,name\na@x.com,\"open\n"[..],
        b"email,name\na@x.com\n",
        b"email,name\na@x.com,\0\n",
        b"email,name\na@x.com,Jos\xe9\n",
    ] {
        assert!(by_blocks(text, 4, 3).is_err(), "{text:?}");
    }
}

#[test]
fn a_record_longer_than_any_block_is_given_up_on() {
    let mut text = b"email,comments\na@x.com,\"".to_vec();
    text.extend(std::iter::repeat_n(b'x', MAX_BLOCK_BYTES + 10));
    assert!(matches!(
        by_blocks(&text, BLOCK_BYTES, 1 << 16),
        Err(GiveUp(_))
    ));
}
