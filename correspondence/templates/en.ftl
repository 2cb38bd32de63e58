# Redress letter templates: English (shipped).
#
# Every message below is required; the variables each may use are listed in
# the README ("Letter templates"). Dates arrive already written out with the
# `date` message. A blank line inside a message starts a new paragraph; other
# line breaks are joined with spaces.

## Dates: "December 1, 2026"

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date = { $month } { $day }, { $year }

## Parts of every letter

reference = Reference: { $reference }
signature-phone = Phone: { $contact-phone }
signature-email = Email: { $contact-email }

## ACKNOWLEDGEMENT: we received your complaint

acknowledgement-title = We have received your concern
acknowledgement-salutation = Dear { $recipient-name },
acknowledgement-body =
    Thank you for contacting { $facility-name }. We received your concern on
    { $received-on } and have recorded it under the reference shown above.
    Please mention this reference if you get in touch with us about it.

    { $contact-name } of our patient relations team is reviewing your concern
    and will keep you informed. We will write to you again when our review is
    complete.
acknowledgement-closing = Sincerely,

## PROGRESS_NOTICE: still being worked on, and when the response will come

progress-notice-title = We are still reviewing your concern
progress-notice-salutation = Dear { $recipient-name },
progress-notice-body =
    We are writing about the concern you shared with us on { $received-on }.
    Our review is not finished yet, and we want you to know that we are still
    working on it.

    We will send you our written response by { $response-by }. If you have
    any questions in the meantime, please contact { $contact-name } using the
    details at the end of this letter.
progress-notice-closing = Sincerely,

## EXTENSION: more time is needed, why, and the new date

extension-title = We need more time to complete our review
extension-salutation = Dear { $recipient-name },
extension-body =
    We are writing about the concern you shared with us on { $received-on }.
    We need more time than we expected to complete our review, for the
    following reason:

    { $extension-reason }

    We will send you our written response by { $response-by }. We are sorry
    for the delay. If you have any questions, please contact { $contact-name }
    using the details at the end of this letter.
extension-closing = Sincerely,

## RESOLUTION: the written response (CMS A-0123; A-0120 for the QIO notice)

resolution-title = Our response to your grievance
resolution-salutation = Dear { $recipient-name },
resolution-body =
    Thank you for bringing your concern to our attention on { $received-on }.
    We have completed our review of your grievance. This letter explains what
    we did to look into it and what we found.
resolution-steps-heading = How we looked into your concern
resolution-steps = { $investigation-steps }
resolution-results-heading = What we found
resolution-results = { $results }
resolution-completed = We completed our review on { $completed-on }.
resolution-contact =
    If you have any questions about this letter or our review, please contact
    { $contact-name }. Contact details are at the end of this letter.
resolution-closing = Sincerely,

qio-heading = Your right to contact the Quality Improvement Organization
qio-notice =
    Because you have Medicare, you have the right to ask the Quality
    Improvement Organization (QIO) to review your concern about the quality of
    the care you received or about being discharged from the hospital too
    soon. You may contact the QIO whether or not you are satisfied with our
    response.
qio-organization = The QIO for this area is { $qio-organization }.
qio-phone = You can call the QIO at { $qio-phone }.

## OTHER: a letter written by hand (its text is the body)

other-title = A letter from { $facility-name }
other-salutation = Dear { $recipient-name },
other-closing = Sincerely,
