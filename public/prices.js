// How prices look and how typed prices become the API's integers. The API stores whole numbers;
// the server's page settings say whether they are money (PRICE_CURRENCY, an ISO 4217 code) and,
// if so, whether they count the currency's minor units (349 = €3.49) or whole units.
// Conversions go through decimal strings and BigInt, never floating point, so 3.49 is 349 exactly.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

let currency = null;
/** Digits after the decimal point in what people see and type: 2 for EUR cents, 3 for KWD, 0 for JPY. */
let fractionDigits = 0;
let display = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** Adopts the server's settings: { priceCurrency, priceMinorUnits }. */
export function usePriceSettings({ priceCurrency, priceMinorUnits }) {
  currency = priceCurrency ?? null;
  if (!currency) return;
  fractionDigits = priceMinorUnits ? currencyFractionDigits(currency) : 0;
  display = new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency,
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

/** The currency's own number of minor-unit digits, as Intl knows it (not a hard-coded 2). */
function currencyFractionDigits(code) {
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
}

/** A stored price as people read it: grouped digits, and money when configured. */
export function formatPrice(stored) {
  // A decimal string keeps Intl exact (it formats strings as decimals, not as doubles).
  return display.format(toDecimal(stored));
}

/** The text the price label ends with: "(€)", or nothing for plain numbers. */
export function priceUnit() {
  if (!currency) return '';
  return display.formatToParts(0).find((part) => part.type === 'currency')?.value ?? currency;
}

/** A stored price as the value of a price input (no grouping, "." as decimal point). */
export function toDecimal(stored) {
  if (fractionDigits === 0) return String(stored);
  const digits = String(Math.abs(stored)).padStart(fractionDigits + 1, '0');
  const sign = stored < 0 ? '-' : '';
  return `${sign}${digits.slice(0, -fractionDigits)}.${digits.slice(-fractionDigits)}`;
}

/** The step of a price input: 1, or 0.01 for cents. */
export const priceStep = () => (fractionDigits === 0 ? '1' : `0.${'1'.padStart(fractionDigits, '0')}`);

/**
 * What a typed price becomes for the API: { value } or, for money that cannot be stored exactly,
 * { error }. Plain numbers go as typed, so the API's own messages explain what is wrong.
 */
export function parsePrice(typed) {
  const text = typed.trim();
  if (!currency || text === '') return { value: /^-?\d{1,15}$/.test(text) ? Number(text) : text };
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === '' && !match[3])) {
    return { error: `Enter an amount such as ${toDecimal(1250 * 10 ** Math.max(fractionDigits - 2, 0))}.` };
  }
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > fractionDigits) {
    return {
      error:
        fractionDigits === 0
          ? 'Enter a whole amount, without decimals.'
          : `Use at most ${fractionDigits} digits after the decimal point.`,
    };
  }
  const minor = BigInt(`${whole || '0'}${fraction.padEnd(fractionDigits, '0')}`) * (sign === '-' ? -1n : 1n);
  const safe = minor <= BigInt(Number.MAX_SAFE_INTEGER) && minor >= -BigInt(Number.MAX_SAFE_INTEGER);
  return { value: safe ? Number(minor) : minor.toString() };
}

/** The API's messages count stored units ("less than or equal to 2147483647"): say them as money. */
export function priceMessage(text) {
  if (!currency) return text;
  return text.replace(/(or equal to )(-?\d+)\.$/, (_, lead, number) => `${lead}${formatPrice(Number(number))}.`);
}
