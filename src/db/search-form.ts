/**
 * The form of a product that `?search=` compares: lower case by JavaScript's full Unicode
 * mapping, with the Greek final sigma folded to σ (toLowerCase writes ς at the end of a word,
 * so "ΚΑΣ" would otherwise miss "ΚΑΣΤΑΝΑ"). Stored beside the product (migration 003) and
 * applied to the search terms alike.
 */
export const searchForm = (text: string): string => text.toLowerCase().replaceAll('ς', 'σ');
