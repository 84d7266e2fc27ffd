//! The MC146818 real-time clock, read once at boot for the wall time.

use crate::arch::cpu::{inb, outb};

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;

fn read_register(register: u8) -> u8 {
    // Bit 7 keeps NMIs disabled while the index is set.
    outb(INDEX, register | 0x80);
    inb(DATA)
}

fn update_in_progress() -> bool {
    read_register(0x0a) & 0x80 != 0
}

struct Reading {
    second: u8,
    minute: u8,
    hour: u8,
    day: u8,
    month: u8,
    year: u8,
    century: u8,
}

fn read_all() -> Reading {
    while update_in_progress() {
        core::hint::spin_loop();
    }
    Reading {
        second: read_register(0x00),
        minute: read_register(0x02),
        hour: read_register(0x04),
        day: read_register(0x07),
        month: read_register(0x08),
        year: read_register(0x09),
        century: read_register(0x32),
    }
}

fn from_bcd(value: u8) -> u64 {
    ((value >> 4) * 10 + (value & 0x0f)) as u64
}

/// Seconds since the Unix epoch, per the RTC (which QEMU keeps in UTC).
pub fn read_unix_seconds() -> u64 {
    // Read until two readings agree, so an update in between cannot tear the result.
    let mut reading = read_all();
    loop {
        let again = read_all();
        if again.second == reading.second && again.minute == reading.minute {
            break;
        }
        reading = again;
    }
    let status_b = read_register(0x0b);
    let binary = status_b & 0x04 != 0;
    let decode = |value: u8| {
        if binary {
            value as u64
        } else {
            from_bcd(value)
        }
    };
    let hour_raw = reading.hour & 0x7f;
    let mut hour = decode(hour_raw);
    if status_b & 0x02 == 0 && reading.hour & 0x80 != 0 {
        hour = (hour % 12) + 12;
    }
    let century = match decode(reading.century) {
        19..=30 => decode(reading.century),
        _ => 20,
    };
    let year = century * 100 + decode(reading.year);
    let days = days_from_civil(year as i64, decode(reading.month), decode(reading.day));
    days as u64 * 86_400 + hour * 3600 + decode(reading.minute) * 60 + decode(reading.second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u64, day: u64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = month as i64;
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
