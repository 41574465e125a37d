// An independent iCalendar parser (ical.js, as used by Thunderbird-based and web clients):
// reads a feed on stdin and prints its events as JSON with UTC instants.
import ICAL from "ical.js";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const root = new ICAL.Component(ICAL.parse(input));
  for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  const value = (time) => (time.isDate ? time.toString() : time.toJSDate().toISOString());
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const rrule = vevent.getFirstPropertyValue("rrule");
    const occurrences = [];
    if (rrule) {
      const it = event.iterator();
      for (let next = it.next(), n = 0; next && n < 60; next = it.next(), n++) {
        occurrences.push(value(next));
      }
    }
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      start: value(event.startDate),
      end: value(event.endDate),
      tzid: event.startDate.isDate ? null : (event.startDate.zone ? event.startDate.zone.tzid : null),
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
      url: vevent.getFirstPropertyValue("url"),
      rrule: rrule ? rrule.toString() : null,
      occurrences,
    };
  });
  const calendar = {
    name: root.getFirstPropertyValue("name"),
    x_wr_calname: root.getFirstPropertyValue("x-wr-calname"),
    refresh_interval: String(root.getFirstPropertyValue("refresh-interval")),
    method: root.getFirstPropertyValue("method"),
  };
  process.stdout.write(JSON.stringify({ calendar, events }));
});
