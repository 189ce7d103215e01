// CSV as RFC 4180 defines it: commas separate the fields and CRLF ends each record. A field that
// contains a comma, a double quote or a line break is enclosed in double quotes, and each double
// quote inside it is doubled.

/** Line break that ends each record, as RFC 4180 specifies. */
export const RECORD_END = "\r\n";

const NEEDS_QUOTES = /[",\r\n]/;

/** Formats one field, quoting it when its text needs quotes. */
export function formatField(value: string | number): string {
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Formats one record, with its line break. */
export function formatRecord(fields: readonly (string | number)[]): string {
  return fields.map(formatField).join(",") + RECORD_END;
}

/**
 * Splits CSV text into records of fields. Records may end with CRLF or LF, and the last one may have
 * no line break. A quote left open runs to the end of the text, as in a file whose last write was cut
 * short.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;

  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char !== '"') {
        field += char;
      } else if (text[index + 1] === '"') {
        field += '"';
        index++;
      } else {
        quoted = false;
      }
      continue;
    }

    if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += char;
    }
  }

  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
