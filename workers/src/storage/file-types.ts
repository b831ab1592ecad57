// What may be uploaded: the brief's files for rooms (charts, slides, PDFs, short videos, sheets).
// Anything else is refused with a clear error before a URL is signed. Served back only as
// attachments through presigned GETs, never inline from our origin.
export const ALLOWED_FILE_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  'image/png': 'PNG image',
  'image/jpeg': 'JPEG image',
  'image/gif': 'GIF image',
  'image/webp': 'WebP image',
  'text/plain': 'text',
  'text/csv': 'CSV',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel workbook',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint deck',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
  'video/mp4': 'MP4 video',
  'video/webm': 'WebM video',
  'audio/mpeg': 'MP3 audio',
  'application/zip': 'ZIP archive',
};

export const isAllowedFileType = (contentType: string) => Object.hasOwn(ALLOWED_FILE_TYPES, contentType);
